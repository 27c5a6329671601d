"""Wire and domain models: one per role (…Put/…Create for input, public views for output).

Inputs forbid unknown fields; everything is camelCase on the wire.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
    model_serializer,
)
from pydantic.alias_generators import to_camel

from shared.domain.fields import (
    GUID_PATTERN,
    ID_PATTERN,
    Email,
    EntityId,
    HttpUrl,
    LicenseDuration,
    Message,
    Text200,
)
from shared.domain.identity import ADMIN_ROLES, AdminRole

T = TypeVar("T")

RequestStatus = Literal["pending", "approved", "denied"]
UserOutcome = Literal["pending", "assigned", "alreadyLicensed", "notAssigned", "failed", "waiting"]
ListView = Literal["pending", "completed", "all"]
ProductSource = Literal["manual", "microsoft365"]
# The languages emails are written in (shared/app/email_templates/<language>.toml).
EmailLanguage = Literal["en", "ko"]
FulfilmentStatus = Literal["pending", "done", "partial", "failed"]
# Why a licence could not be assigned in Microsoft 365 (X11).
FailureCode = Literal[
    "usage_location_missing",
    "no_licenses_available",
    "conflicting_service_plans",
    "dependent_service_plans",
    "user_not_found",
    "account_disabled",
    "graph_error",
]


class WireModel(BaseModel):
    """Output shape: camelCase aliases, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def to_wire(self) -> dict[str, object]:
        """The JSON-ready camelCase dict."""
        return self.model_dump(mode="json", by_alias=True)


class InputModel(WireModel):
    """Input shape: like WireModel, and unknown fields are an error."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=False, frozen=True, extra="forbid"
    )


def unique_values(values: list[str], what: str) -> list[str]:
    if len({v.lower() for v in values}) != len(values):
        raise ValueError(f"{what} must not repeat")
    return values


# ---- catalogue ---------------------------------------------------------------------------


class ServicePlan(InputModel):
    """An app or service inside a product (R11)."""

    id: EntityId
    name: Text200


class ProductPut(InputModel):
    """Body of PUT /api/products/{productId}.

    A manual product needs `name` and `totalLicenses`. A Microsoft 365 product takes
    `selfServicePurchase`, a display `name` (null: the catalogue's own) and a licensing
    group; its seats and plans come from Microsoft 365 and may only be repeated as they are.
    """

    name: Text200 | None = None
    self_service_purchase: Literal["allowed", "blocked"]
    total_licenses: Annotated[StrictInt, Field(ge=0, le=10_000_000)] | None = None
    service_plans: Annotated[list[ServicePlan], Field(max_length=100)] | None = None
    licensing_group_id: Annotated[str, StringConstraints(pattern=GUID_PATTERN)] | None = None
    # Omitted keeps the current approvers.
    approvers: Annotated[list[Email], Field(max_length=20)] | None = None

    @field_validator("service_plans")
    @classmethod
    def _plans_unique(cls, plans: list[ServicePlan] | None) -> list[ServicePlan] | None:
        if plans is not None:
            unique_values([p.id for p in plans], "service plan ids")
        return plans


class DevTokenRequest(InputModel):
    """Body of POST /api/dev/token (dev mode only)."""

    tenant: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    email: Email
    name: Text200 | None = None
    admin: StrictBool = False
    # Any admin role of R5 ("global" is the same as admin: true).
    role: AdminRole | None = None


class Person(WireModel):
    """Someone named by a token: requester, decider, settings editor."""

    id: str
    name: str
    email: str


class Product(WireModel):
    """A product of the tenant's catalogue with its licence counters."""

    id: str
    name: str
    self_service_purchase: Literal["allowed", "blocked"]
    service_plans: list[ServicePlan]
    total_licenses: int
    assigned_licenses: int
    updated_at: datetime | None = None
    updated_by: Person | None = None
    source: ProductSource = "manual"
    # Microsoft 365 products: the subscribed SKU, the admin's display name (None: the
    # catalogue's), an optional licensed group, and seats reserved by approvals whose
    # assignment in Microsoft 365 is still under way.
    sku_id: str | None = None
    sku_part_number: str | None = None
    custom_name: str | None = None
    licensing_group_id: str | None = None
    reserved_licenses: int = 0
    # People without an admin role who may list, view and decide this product's requests.
    approvers: list[str] = []
    # People on the product's waitlist (approved with whenShort "wait", no seat yet).
    waiting: int = 0
    # Everyone ever put on it: the next place in line (first come, first served). Internal.
    queued: int = 0

    def approved_by(self, email: str) -> bool:
        """Whether `email` is one of the product's approvers (case-blind)."""
        return email.lower() in (a.lower() for a in self.approvers)

    @property
    def available_licenses(self) -> int:
        """Licences neither assigned nor reserved."""
        return max(self.total_licenses - self.assigned_licenses - self.reserved_licenses, 0)

    def to_view(self, *, admin: bool) -> dict[str, object]:
        """Admins see licence counts and where a product comes from; users what they may
        request."""
        view: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "selfServicePurchase": self.self_service_purchase,
            "servicePlans": [{"id": p.id, "name": p.name} for p in self.service_plans],
        }
        if admin:
            view["totalLicenses"] = self.total_licenses
            view["assignedLicenses"] = self.assigned_licenses
            view["approvers"] = list(self.approvers)
            view["waiting"] = self.waiting
        view["source"] = self.source
        if self.source == "microsoft365":
            view["skuId"] = self.sku_id
            view["skuPartNumber"] = self.sku_part_number
            if admin:
                view["reservedLicenses"] = self.reserved_licenses
                view["licensingGroupId"] = self.licensing_group_id
        return view


# ---- own request process -----------------------------------------------------------------


class RequestProcessPut(InputModel):
    """Body of PUT /api/settings/request-process (R6, R7, X10)."""

    use_own_process: StrictBool
    message: Message | None = None
    documentation_url: HttpUrl | None = None
    notify_admins: Annotated[list[Email], Field(max_length=20)] | None = None
    # Omitted keeps the current language; null falls back to the deployment's.
    email_language: EmailLanguage | None = None
    # Omitted keeps the current roles; "global" must stay in the list.
    approver_roles: Annotated[list[AdminRole], Field(min_length=1, max_length=3)] | None = None
    # Omitted keeps the current one; null goes back to the default (P90D).
    max_wait: LicenseDuration | None = None

    @field_validator("approver_roles")
    @classmethod
    def _global_stays(cls, roles: list[AdminRole] | None) -> list[AdminRole] | None:
        if roles is not None and "global" not in roles:
            raise ValueError("the Global Administrator always manages requests")
        return roles

    @field_validator("notify_admins")
    @classmethod
    def _admins_unique(cls, emails: list[str] | None) -> list[str] | None:
        return None if emails is None else unique_values(emails, "notifyAdmins")


class RequestProcess(WireModel):
    """The tenant's own-request-process switch and admin notification list."""

    use_own_process: bool = False
    message: str | None = None
    documentation_url: str | None = None
    updated_at: datetime | None = None
    updated_by: Person | None = None
    notify_admins: list[str] = []
    # The language of the tenant's emails to people the directory gives none for.
    email_language: EmailLanguage | None = None
    # The admin roles that may manage requests (R5): all three, or narrowed.
    approver_roles: list[AdminRole] = list(ADMIN_ROLES)
    # How long someone may wait for a seat before leaving the waitlist (None: P90D).
    max_wait: str | None = None

    def to_view(self, *, admin: bool) -> dict[str, object]:
        """Only admins see whom new requests are announced to, in which language, and
        which roles manage requests."""
        return self.model_dump(
            mode="json",
            by_alias=True,
            exclude=None
            if admin
            else {"notify_admins", "email_language", "approver_roles", "max_wait"},
        )


# ---- requests ----------------------------------------------------------------------------


class RequestUserIn(InputModel):
    """Another user the requester adds (R2)."""

    email: Email
    name: Text200 | None = None


class RequestCreate(InputModel):
    """Body of POST /api/requests."""

    product_id: EntityId
    users: Annotated[list[RequestUserIn], Field(max_length=50)] = []
    justification: Message | None = None


class Failure(WireModel):
    """Why a user's licence could not be assigned: a stable code and the service's words."""

    code: FailureCode
    message: str


class RequestUser(WireModel):
    """A user of a request and what happened to them."""

    email: str
    name: str | None = None
    outcome: UserOutcome = "pending"
    # Only for outcome "failed".
    failure: Failure | None = None
    # Only for outcome "waiting": the place in the product's waitlist (1 is next), as read.
    position: int | None = None
    # The user's object id in the tenant's directory (Microsoft 365), internal.
    directory_id: str | None = Field(default=None, exclude=True)
    # The directory's preferredLanguage for the user (e.g. "ko-KR"): their emails' language.
    language: str | None = Field(default=None, exclude=True)

    @model_serializer(mode="wrap")
    def _without_empty_failure(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        for optional in ("failure", "position"):
            if data.get(optional) is None:
                data.pop(optional, None)
        return data


class Decision(WireModel):
    """Who decided what, when (X9)."""

    action: Literal["approve", "deny"]
    decided_at: datetime
    decided_by: Person
    product_id: str | None = None
    disabled_service_plans: list[str] = []
    message: str | None = None
    # When the licences this approval assigned end (None: permanent).
    license_expires_at: datetime | None = None


class Fulfilment(WireModel):
    """The assignment of an approval's licences in Microsoft 365."""

    status: FulfilmentStatus
    updated_at: datetime
    # Rounds so far: 1 for the approval, one more for each retry by an admin.
    round: int = 1
    # Reschedules after throttling in the current round (bounded), internal.
    throttled: int = Field(default=0, exclude=True)
    # Users a retry made pending again: they, not everyone, hear of its outcome. Internal.
    retried: list[str] = Field(default=[], exclude=True)


class LicenseRequest(WireModel):
    """A licence request, as stored and as returned."""

    id: str
    product_id: str
    product_name: str
    requester: Person
    users: list[RequestUser]
    justification: str | None = None
    status: RequestStatus = "pending"
    created_at: datetime
    expires_at: datetime
    decision: Decision | None = None
    # Microsoft 365 approvals only: how far the assignment in Microsoft 365 got.
    fulfilment: Fulfilment | None = None

    @model_serializer(mode="wrap")
    def _without_empty_fulfilment(
        self, handler: SerializerFunctionWrapHandler
    ) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        if data.get("fulfilment") is None:
            data.pop("fulfilment", None)
        return data

    def summary(self) -> RequestSummary:
        """The list-row view (R3)."""
        return RequestSummary(
            id=self.id,
            product_id=self.product_id,
            product_name=self.product_name,
            requester=self.requester,
            user_count=len(self.users),
            created_at=self.created_at,
            status=self.status,
        )


class RequestSummary(WireModel):
    """A row of the admins' Requests list (R3)."""

    id: str
    product_id: str
    product_name: str
    requester: Person
    user_count: int
    created_at: datetime
    status: RequestStatus


class Page(BaseModel, Generic[T]):
    """One page of a listing and the raw position after it (None at the end)."""

    items: list[T]
    next_key: str | None = None
