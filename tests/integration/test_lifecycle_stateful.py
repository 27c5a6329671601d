"""Issue 14: a stateful property test of the request lifecycle on Azurite.

A hypothesis `RuleBasedStateMachine` plays an organisation's life against the app in
process (its own queue, a frozen clock, `.eml` files in a temporary folder): people
submit requests (R1, R2, X3) for manual products, admins approve them fully or in part,
choose a product that fulfils the requested one and switch apps off (R9-R11, X2), deny
them (R8), change a product's seats (X1), switch the own request process on and off
(R6, R7); time passes past retention (R4, X8); queued notices are delivered (R13, X6);
decisions race each other (X1, X5); another tenant tries to reach in (X7). The machine
keeps a model of what should be, predicts every answer (typed errors of
shared/domain/errors.py included), and after every step checks:

* seats: for every product, `assignedLicenses <= totalLicenses`, and it equals the number
  of `A|{product}|...` assignment rows (the very rows, per the model);
* decisions: every stored request holds the one decision it was given, never a second
  (a second decision answers `already_decided` and changes nothing; of two racing, one
  wins), its requester's copy and the pending index agree; the lists show exactly the
  live requests, newest first, with their status; an expired request is never returned;
* emails: at most one send and one `.eml` file per (notice, recipient), only for notices
  that exist, with the subject of the recipient's outcome; after a delivery, exactly one
  per (decision, user) and per (new request, listed admin);
* isolation: a second tenant, with a product of the same id and a user of the same id,
  sees only its own product and request, never the first tenant's.

Bounded (25 examples of up to 20 steps, derandomized) and a fresh tenant pair, queue and
outbox folder per example, so examples never see each other.
"""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import shutil
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from shared import bootstrap
from shared.adapters.email.outbox_dir import KEY_HEADER, OutboxDirSender
from shared.adapters.queue_notifier import QueueNotifier
from shared.adapters.tables.codec import request_from
from shared.app.ports import OutgoingEmail
from shared.app.queries import ListQuery
from shared.config import Settings
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.errors import (
    AlreadyDecided,
    AppError,
    InsufficientLicenses,
    InvalidProduct,
    InvalidServicePlan,
    LicensesInUse,
    NotFound,
    NoUsersLeft,
    OwnRequestProcess,
    SelfServiceAllowed,
    UnknownProduct,
    UnknownUser,
)
from shared.domain.identity import Principal
from shared.domain.models import (
    Decision,
    LicenseRequest,
    ProductPut,
    RequestCreate,
    RequestProcessPut,
)
from tests.integration.conftest import settings_for
from tests.support.api import unique_tenant
from tests.support.azurite import Azurite
from tests.support.clock import FrozenClock

RETENTION = timedelta(days=30)
NOTIFY = "it@contoso.com"


@dataclass(frozen=True)
class Catalogued:
    name: str
    plans: tuple[str, ...]
    self_service: str
    seats: int


# Manual products only. `suite` fulfils visio and project (X2); sway is self-service.
CATALOGUE = {
    "visio": Catalogued("Visio Plan 2", ("visio",), "blocked", 2),
    "project": Catalogued("Project Plan 3", ("project",), "blocked", 1),
    "suite": Catalogued("Work Suite", ("visio", "project", "teams"), "blocked", 3),
    "sway": Catalogued("Sway", ("sway",), "allowed", 5),
}
SEATED = ["visio", "project", "suite"]
REQUESTERS = {
    "u-megan": ("Megan Bowen", "megan@contoso.com"),
    "u-alex": ("Alex Wilber", "alex@contoso.com"),
    "u-lee": ("Lee Gu", "lee@contoso.com"),
}
# Other users a requester may add: the requesters themselves, in another case too (R2).
OTHERS = [
    "alex@contoso.com",
    "Lee@Contoso.com",
    "megan@contoso.com",
    "diego@contoso.com",
    "nestor@contoso.com",
]
WAITS = [
    timedelta(hours=1),
    timedelta(days=3),
    timedelta(days=12),
    RETENTION + timedelta(minutes=1),
]
SUBJECTS = {
    "assigned": "Approved: your license",
    "alreadyLicensed": "Approved: you already have",
    "notAssigned": "Not approved for you",
    "denied": "Denied:",
    "submitted": "New license request:",
}


def product_put(pid: str, total: int, name: str | None = None) -> ProductPut:
    item = CATALOGUE[pid]
    return ProductPut.model_validate(
        {
            "name": name or item.name,
            "selfServicePurchase": item.self_service,
            "totalLicenses": total,
            "servicePlans": [{"id": p, "name": p.title()} for p in item.plans],
        }
    )


def fulfils(candidate: str, requested: str) -> bool:
    """X2, in the model."""
    have = set(CATALOGUE[candidate].plans)
    return candidate == requested or set(CATALOGUE[requested].plans) <= have


# ---- the model ---------------------------------------------------------------------------


@dataclass
class Req:
    """What the model knows of a request."""

    id: str
    requester: str
    product_id: str
    users: list[str]  # lower-case, requester first
    created_at: datetime
    status: str = "pending"
    outcomes: dict[str, str] = field(default_factory=dict)
    decision: Decision | None = None


@dataclass(frozen=True)
class Approval:
    exclude: tuple[str, ...] = ()
    product_id: str | None = None
    disabled: tuple[str, ...] = ()
    message: str | None = None

    def command(self) -> ApproveCommand:
        return ApproveCommand.model_validate(
            {
                "excludeUsers": list(self.exclude),
                "productId": self.product_id,
                "disabledServicePlans": list(self.disabled),
                "message": self.message,
            }
        )


@dataclass(frozen=True)
class Approved:
    product_id: str
    outcomes: dict[str, str]
    newly: frozenset[str]


@dataclass(frozen=True)
class Refused:
    error: type[AppError]
    available: int | None = None
    needed: int | None = None


def predict_approval(
    req: Req,
    approval: Approval,
    visible: bool,
    totals: dict[str, int],
    holders: dict[str, set[str]],
) -> Approved | Refused:
    """What the app must answer, in the order plan_approval checks (R9-R11, X1, X2, X5)."""
    if not visible:
        return Refused(NotFound)
    if req.status != "pending":
        return Refused(AlreadyDecided)
    target = approval.product_id or req.product_id
    if not fulfils(target, req.product_id):
        return Refused(InvalidProduct)
    if set(approval.disabled) - set(CATALOGUE[target].plans):
        return Refused(InvalidServicePlan)
    members, excluded = set(req.users), set(approval.exclude)
    if excluded - members:
        return Refused(UnknownUser)
    if members <= excluded:
        return Refused(NoUsersLeft)
    outcomes = {
        u: "notAssigned"
        if u in excluded
        else "alreadyLicensed"
        if u in holders[target]
        else "assigned"
        for u in req.users
    }
    newly = frozenset(u for u, o in outcomes.items() if o == "assigned")
    available = totals[target] - len(holders[target])
    if len(newly) > available:
        return Refused(InsufficientLicenses, available, len(newly))
    return Approved(target, outcomes, newly)


def outcomes_of(request: LicenseRequest) -> dict[str, str]:
    return {u.email.lower(): u.outcome for u in request.users}


def answer(call: Callable[[], Any]) -> tuple[Any, AppError | None]:
    """The call's result, or the typed error it answered with."""
    try:
        return call(), None
    except AppError as error:
        return None, error


def together(calls: list[Callable[[], Any]]) -> list[tuple[Any, AppError | None]]:
    """Run the calls at the same moment on threads; re-raise anything but a typed error."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[Any, BaseException | None]] = [(None, None)] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = (call(), None)
        except BaseException as error:  # handed back to the test thread below
            results[index] = (None, error)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for _, error in results:
        if error is not None and not isinstance(error, AppError):
            raise error
    return [(value, error) for value, error in results]  # type: ignore[misc]


class CountingSender:
    """The outbox-folder sender, counting every send per email key (X6 beyond its dedup)."""

    def __init__(self, inner: OutboxDirSender) -> None:
        self.inner = inner
        self.sends: Counter[str] = Counter()
        self._lock = threading.Lock()

    def send(self, mail: OutgoingEmail) -> None:
        with self._lock:
            self.sends[mail.key] += 1
        self.inner.send(mail)


# ---- the machine ---------------------------------------------------------------------------


@dataclass
class Lab:
    """What the examples share: settings, the store on the session Azurite, a folder."""

    settings: Settings
    store: Any
    root: Path


class Lifecycle(RuleBasedStateMachine):
    """Two tenants on one app; rules are what people and time do, invariants what holds."""

    lab: Lab

    def __init__(self) -> None:
        super().__init__()
        lab = self.lab
        self.clock = FrozenClock()
        self.queue = bootstrap.build_queue(lab.settings, f"lc{uuid.uuid4().hex[:20]}")
        self.outbox = Path(tempfile.mkdtemp(dir=lab.root))
        self.sender = CountingSender(OutboxDirSender(self.outbox))
        self.app = bootstrap.build(
            lab.settings,
            clock=self.clock,
            store=lab.store,
            notifier=QueueNotifier(self.queue),
            sender=self.sender,
            directory=None,
        )
        self.service = self.app.service
        self.t1, self.t2 = unique_tenant(), unique_tenant()
        self.admin1 = Principal(self.t1, "a-ada", "Ada Admin", "ada@contoso.com", True)
        self.admin2 = Principal(self.t2, "a-ada", "Ada Admin", "ada@fabrikam.com", True)
        self.people = {
            uid: Principal(self.t1, uid, name, mail, False)
            for uid, (name, mail) in REQUESTERS.items()
        }
        # The model of tenant 1.
        self.totals = {pid: item.seats for pid, item in CATALOGUE.items()}
        self.holders: dict[str, set[str]] = {pid: set() for pid in CATALOGUE}
        self.own_process = False
        self.requests: dict[str, Req] = {}
        self.eml: dict[Path, tuple[str, str]] = {}
        for pid, item in CATALOGUE.items():
            self.service.put_product(self.admin1, pid, product_put(pid, item.seats))
        self.service.put_request_process(
            self.admin1,
            RequestProcessPut.model_validate({"useOwnProcess": False, "notifyAdmins": [NOTIFY]}),
        )
        # Tenant 2: a product of the same id, and a user of the same id as tenant 1's Megan.
        self.service.put_product(self.admin2, "visio", product_put("visio", 5, "Visio (Fabrikam)"))
        self.user2 = Principal(self.t2, "u-megan", "Megan Bowen", "megan@fabrikam.com", False)
        self.t2_request = self._submit2()

    def teardown(self) -> None:
        for name in (self.queue.queue_name, f"{self.queue.queue_name}-poison"):
            try:
                bootstrap.queue_client(self.lab.settings, name).delete_queue()
            except Exception:  # a leftover queue in a throwaway Azurite is harmless
                pass
        shutil.rmtree(self.outbox, ignore_errors=True)

    # -- helpers -------------------------------------------------------------------------------

    def _submit2(self) -> Req:
        body = RequestCreate.model_validate({"productId": "visio"})
        created = self.service.submit(self.user2, body).request
        return Req(created.id, "u-megan", "visio", [self.user2.email], created.created_at)

    def visible(self, req: Req) -> bool:
        return self.clock.now() < req.created_at + RETENTION

    def live(self) -> list[Req]:
        """Tenant 1's visible requests, newest first."""
        alive = [r for r in self.requests.values() if self.visible(r)]
        return sorted(alive, key=lambda r: r.created_at, reverse=True)

    def pending(self) -> list[Req]:
        return [r for r in self.live() if r.status == "pending"]

    # Every draw below has the same shape whatever the state: a race's winner varies from
    # run to run, and Hypothesis refuses a choice whose bounds changed between runs. So a
    # request is picked by an index taken modulo the list's length, not by sampled_from.

    def pick(self, data: st.DataObject, items: list[str], label: str) -> str:
        chosen = items[data.draw(st.integers(0, 63), label=label) % len(items)]
        note(f"{label}: {chosen}")
        return chosen

    def draw_request(self, data: st.DataObject) -> Req:
        """Mostly a pending request; else any, decided or expired ones included."""
        anyone = data.draw(st.integers(0, 3), label="any request?") == 3
        pending = [r.id for r in self.pending()]
        ids = pending if pending and not anyone else list(self.requests)  # in creation order
        return self.requests[self.pick(data, ids, "request")]

    def draw_approval(self, data: st.DataObject, req: Req) -> Approval:
        flags = data.draw(st.lists(st.booleans(), min_size=4, max_size=4), label="exclude")
        exclude = [user for user, out in zip(req.users, flags, strict=False) if out]
        if data.draw(st.integers(0, 9), label="stranger") == 9:
            exclude.append("stranger@contoso.com")
        product_id = data.draw(st.sampled_from([None, *CATALOGUE]), label="product")
        plans = CATALOGUE[product_id or req.product_id].plans
        plan = data.draw(st.integers(0, 3), label="disabled")
        disabled = [plans[(plan - 1) % len(plans)]] if plan else []
        if data.draw(st.integers(0, 9), label="bad plan") == 9:
            disabled.append("nosuchplan")
        message = data.draw(st.sampled_from([None, "Welcome aboard"]), label="message")
        return Approval(tuple(exclude), product_id, tuple(disabled), message)

    def record_approval(self, req: Req, predicted: Approved, result: LicenseRequest) -> None:
        assert result.status == "approved"
        assert outcomes_of(result) == predicted.outcomes
        assert result.decision is not None and result.decision.action == "approve"
        assert result.decision.product_id == predicted.product_id
        req.status, req.outcomes, req.decision = "approved", predicted.outcomes, result.decision
        self.holders[predicted.product_id] |= predicted.newly

    def record_denial(self, req: Req, result: LicenseRequest) -> None:
        assert result.status == "denied"
        assert set(outcomes_of(result).values()) == {"notAssigned"}
        req.status, req.outcomes, req.decision = "denied", outcomes_of(result), result.decision

    def assert_unchanged(self, req: Req) -> None:
        """A refused decision changed nothing (X5): the stored request is as the model's."""
        if not self.visible(req):
            return
        stored = self.service.get_request(self.admin1, req.id)
        self.assert_as_modelled(stored, req)

    @staticmethod
    def assert_as_modelled(stored: LicenseRequest, req: Req) -> None:
        assert (stored.status, stored.decision) == (req.status, req.decision), (stored, req)
        if req.status == "pending":
            assert set(outcomes_of(stored).values()) == {"pending"}
        else:
            assert outcomes_of(stored) == req.outcomes

    def check_refusal(self, error: AppError | None, predicted: Refused) -> None:
        assert type(error) is predicted.error, (error, predicted)
        if predicted.error is InsufficientLicenses:
            assert error.extra["available"] == predicted.available
            assert error.extra["needed"] == predicted.needed

    # -- rules -------------------------------------------------------------------------------

    @initialize(
        seeds=st.lists(
            st.tuples(
                st.sampled_from(sorted(REQUESTERS)),
                st.sampled_from(SEATED),
                st.lists(st.sampled_from(OTHERS), max_size=3),
            ),
            min_size=2,
            max_size=4,
        )
    )
    def seed(self, seeds: list[tuple[str, str, list[str]]]) -> None:
        """A few requests to start from, so that deciding starts at once."""
        for requester, product, others in seeds:
            self.submit(requester, product, others)

    @rule(
        requester=st.sampled_from(sorted(REQUESTERS)),
        product=st.sampled_from([*CATALOGUE, "nosuch"]),
        others=st.lists(st.sampled_from(OTHERS), max_size=3),
    )
    def submit(self, requester: str, product: str, others: list[str]) -> None:
        """R1, R2, R6, X3: a new request, the pending one, or a refusal."""
        self.clock.advance(timedelta(minutes=1))
        who = self.people[requester]
        body = RequestCreate.model_validate(
            {"productId": product, "users": [{"email": e} for e in others]}
        )
        result, error = answer(lambda: self.service.submit(who, body))
        if product not in CATALOGUE:
            assert type(error) is UnknownProduct
            return
        if CATALOGUE[product].self_service == "allowed":
            assert type(error) is SelfServiceAllowed
            return
        if self.own_process:
            assert type(error) is OwnRequestProcess
            assert error is not None and error.extra["message"]
            return
        assert error is None, error
        mine = [r for r in self.pending() if r.requester == requester and r.product_id == product]
        if mine:
            assert not result.created and result.request.id == mine[0].id
            return
        assert result.created
        users: list[str] = []
        for mail in [who.email, *others]:
            if mail.lower() not in users:
                users.append(mail.lower())
        request = result.request
        assert [u.email.lower() for u in request.users] == users
        assert request.status == "pending" and request.product_name == CATALOGUE[product].name
        self.requests[request.id] = Req(
            request.id, requester, product, users, self.clock.now(), "pending"
        )

    @precondition(lambda self: self.requests)
    @rule(data=st.data())
    def approve(self, data: st.DataObject) -> None:
        """R9-R12, X1, X2, X5: approve fully or in part, maybe another product, apps off."""
        req = self.draw_request(data)
        approval = self.draw_approval(data, req)
        predicted = predict_approval(req, approval, self.visible(req), self.totals, self.holders)
        result, error = answer(
            lambda: self.service.approve(self.admin1, req.id, approval.command())
        )
        if isinstance(predicted, Refused):
            self.check_refusal(error, predicted)
            self.assert_unchanged(req)
            return
        assert error is None, error
        assert result.decision.disabled_service_plans == list(approval.disabled)
        self.record_approval(req, predicted, result)

    @precondition(lambda self: self.requests)
    @rule(data=st.data())
    def deny(self, data: st.DataObject) -> None:
        """R8, X5: deny a whole request, once."""
        req = self.draw_request(data)
        result, error = answer(
            lambda: self.service.deny(self.admin1, req.id, DenyCommand(message="Budget"))
        )
        if not self.visible(req):
            assert type(error) is NotFound
        elif req.status != "pending":
            assert type(error) is AlreadyDecided
            self.assert_unchanged(req)
        else:
            assert error is None, error
            self.record_denial(req, result)

    @rule(
        data=st.data(),
        kinds=st.sampled_from([("approve", "deny"), ("approve", "approve"), ("deny", "deny")]),
    )
    def race_to_decide(self, data: st.DataObject, kinds: tuple[str, str]) -> None:
        """X5: two admins decide the same request at once; one outcome, never two."""
        index = data.draw(st.integers(0, 63), label="request")
        pending = [r.id for r in self.pending()]
        if not pending:
            return
        req = pending[index % len(pending)]
        note(f"request: {req}")
        req_ = self.requests[req]
        predicted = predict_approval(req_, Approval(), True, self.totals, self.holders)

        def decide(kind: str) -> Callable[[], LicenseRequest]:
            if kind == "approve":
                return lambda: self.service.approve(self.admin1, req, ApproveCommand())
            return lambda: self.service.deny(self.admin1, req, DenyCommand())

        results = together([decide(k) for k in kinds])
        winners = []
        for kind, (value, error) in zip(kinds, results, strict=True):
            if error is None:
                winners.append((kind, value))
                continue
            allowed = {AlreadyDecided}
            if kind == "approve" and isinstance(predicted, Refused):
                allowed.add(predicted.error)
            assert type(error) in allowed, (kind, error)
        could_win = "deny" in kinds or isinstance(predicted, Approved)
        assert len(winners) == (1 if could_win else 0), winners
        if winners:
            [(kind, value)] = winners
            if kind == "approve":
                assert isinstance(predicted, Approved)
                self.record_approval(req_, predicted, value)
            else:
                self.record_denial(req_, value)
        self.assert_unchanged(req_)

    @rule(data=st.data(), product=st.sampled_from([None, "suite"]))
    def race_for_seats(self, data: st.DataObject, product: str | None) -> None:
        """X1: approvals of different requests at once. The approved ones are what some
        serial order of them gives (who got a seat, who already held one); each refused one
        was refused for want of seats, and truly lacks them once the others took theirs."""
        start = data.draw(st.integers(0, 63), label="first request")
        size = data.draw(st.integers(2, 3), label="requests")
        pending = [r.id for r in self.pending()]
        if len(pending) < 2:
            return
        reqs = [self.requests[pending[(start + i) % len(pending)]] for i in range(size)]
        reqs = list({r.id: r for r in reqs}.values())
        note(f"requests: {[r.id for r in reqs]}")
        approval = Approval(product_id=product)
        results = together(
            [
                (lambda r=r: self.service.approve(self.admin1, r.id, approval.command()))
                for r in reqs
            ]
        )
        won = [i for i, (_, error) in enumerate(results) if error is None]
        explained: dict[int, Approved] | None = None
        for order in itertools.permutations(won):
            holders = {pid: set(h) for pid, h in self.holders.items()}
            predicted: dict[int, Approved] = {}
            for index in order:
                p = predict_approval(reqs[index], approval, True, self.totals, holders)
                if not (isinstance(p, Approved) and p.outcomes == outcomes_of(results[index][0])):
                    break
                predicted[index] = p
                holders[p.product_id] |= p.newly
            else:
                explained = predicted
                break
        seen = [outcomes_of(v) if e is None else type(e).__name__ for v, e in results]
        assert explained is not None, f"no serial order explains {seen}"
        for index, req in enumerate(reqs):
            if index in explained:
                self.record_approval(req, explained[index], results[index][0])
                continue
            # A refusal counts the users holding the product when its approval started (the
            # app may learn of later holders only on a retry): it must not fit what is left.
            error = results[index][1]
            assert type(error) is InsufficientLicenses, seen
            alone = predict_approval(req, approval, True, self.totals, self.holders)
            target = product or req.product_id
            newly = len(alone.newly) if isinstance(alone, Approved) else alone.needed
            left = self.totals[target] - len(self.holders[target])
            left -= sum(len(p.newly) for p in explained.values() if p.product_id == target)
            assert newly is not None and newly > left, (seen, newly, left)
            self.assert_unchanged(req)

    @rule(pid=st.sampled_from(SEATED), total=st.integers(0, 5))
    def change_seats(self, pid: str, total: int) -> None:
        """X1: totalLicenses may not go below the assigned count (licenses_in_use)."""
        result, error = answer(
            lambda: self.service.put_product(self.admin1, pid, product_put(pid, total))
        )
        if total < len(self.holders[pid]):
            assert type(error) is LicensesInUse
            return
        assert error is None, error
        assert (result.total_licenses, result.assigned_licenses) == (total, len(self.holders[pid]))
        self.totals[pid] = total

    @rule(on=st.booleans())
    def switch_own_process(self, on: bool) -> None:
        """R6, R7: send people to the organisation's own process, or stop."""
        change = {"useOwnProcess": on, "message": "Ask IT at the service desk." if on else None}
        self.service.put_request_process(self.admin1, RequestProcessPut.model_validate(change))
        self.own_process = on

    @rule(wait=st.sampled_from(WAITS))
    def time_passes(self, wait: timedelta) -> None:
        """R4, X8: an hour, days, or the whole retention period (every request expires)."""
        self.clock.advance(wait)

    @rule(limit=st.integers(1, 32))
    def deliver(self, limit: int) -> None:
        """R13, X6, X10: the host hands up to `limit` queued messages to the worker; once
        the queue is empty, every email the notices ask for has been written."""
        worker = self.app.worker()
        for message in self.queue.receive_messages(max_messages=limit, visibility_timeout=30):
            worker.handle(base64.b64decode(message.content).decode(), message.id)
            self.queue.delete_message(message)
        if not self.queue.peek_messages(max_messages=1):
            assert set(self.emails()) == set(self.expected_emails())

    @precondition(lambda self: self.requests)
    @rule(data=st.data(), action=st.sampled_from(["submit", "get", "approve", "deny"]))
    def other_tenant(self, data: st.DataObject, action: str) -> None:
        """X7: another tenant's admin, and a user of the same id, get 404 for our ids;
        its user is not sent to our own process, and its pending request stays its own."""
        if action == "submit":
            before = self.t2_request
            body = RequestCreate.model_validate({"productId": "visio"})
            result = self.service.submit(self.user2, body)
            assert result.created == (not self.visible(before))
            if result.created:
                self.t2_request = Req(
                    result.request.id, "u-megan", "visio", [self.user2.email], self.clock.now()
                )
            else:
                assert result.request.id == before.id
            return
        req = self.draw_request(data)
        for who in (self.admin2, self.user2):
            calls: dict[str, Callable[[], Any]] = {
                "get": lambda w=who: self.service.get_request(w, req.id),
                "approve": lambda: self.service.approve(self.admin2, req.id, ApproveCommand()),
                "deny": lambda: self.service.deny(self.admin2, req.id, DenyCommand()),
            }
            with pytest.raises(NotFound):
                calls[action]()
        with pytest.raises(NotFound):
            self.service.get_request(self.admin1, self.t2_request.id)

    # -- invariants --------------------------------------------------------------------------

    def stored_rows(self) -> dict[str, dict[str, Any]]:
        """Every row of tenant 1's partition, by RowKey (see shared/adapters/tables/keys.py)."""
        found = self.lab.store.table.query_entities(
            "PartitionKey eq @pk", parameters={"pk": self.t1}
        )
        return {row["RowKey"]: row for row in found}

    @invariant()
    def seats_are_never_oversubscribed_and_match_the_assignment_rows(self) -> None:
        """X1: assigned <= total, and assigned == the A|{product}|... rows, per product."""
        rows: dict[str, set[str]] = {pid: set() for pid in CATALOGUE}
        for key in self.stored_rows():
            if not key.startswith("A|"):
                continue
            _, pid, who = key.split("|", 2)
            rows.setdefault(pid, set()).add(unquote(who))
        products = {i.product.id: i.product for i in self.service.list_products(self.admin1)}
        assert sorted(products) == sorted(CATALOGUE)
        for pid, product in products.items():
            assert 0 <= product.assigned_licenses <= product.total_licenses, product
            assert product.assigned_licenses == len(rows[pid]), (pid, product, rows[pid])
            assert rows[pid] == self.holders[pid], (pid, rows[pid], self.holders[pid])
            assert product.total_licenses == self.totals[pid]

    @invariant()
    def every_request_is_decided_at_most_once(self) -> None:
        """X5: every stored request (expired ones too: no sweep runs here) holds the one
        decision it was given, never a second; its requester's copy and the pending index
        agree."""
        rows = self.stored_rows()
        stored = {
            r.id: r for k, row in rows.items() if k.startswith("R|") for r in [request_from(row)]
        }
        assert sorted(stored) == sorted(self.requests)
        for rid, req in self.requests.items():
            self.assert_as_modelled(stored[rid], req)
            assert request_from(rows[f"M|{req.requester}|{rid}"]) == stored[rid]
        pending = sorted(k.removeprefix("L|pending|") for k in rows if k.startswith("L|pending|"))
        assert pending == sorted(r.id for r in self.requests.values() if r.status == "pending")

    @invariant()
    def requests_are_listed_as_decided_once_and_never_after_expiry(self) -> None:
        """R3, R6, X5, X8: the lists hold exactly the live requests, with their status."""
        live = self.live()
        listed = self.service.list_requests(self.admin1, ListQuery(limit=100, view="all"))
        assert [(s.id, s.status) for s in listed.items] == [(r.id, r.status) for r in live]
        assert listed.process.use_own_process == self.own_process
        pending = self.service.list_requests(self.admin1, ListQuery(limit=100, view="pending"))
        assert [s.id for s in pending.items] == [r.id for r in live if r.status == "pending"]
        gone = [r for r in self.requests.values() if not self.visible(r)]
        if gone:
            newest_gone = max(gone, key=lambda r: r.created_at)
            with pytest.raises(NotFound):
                self.service.get_request(self.admin1, newest_gone.id)

    @invariant()
    def one_email_per_notice_and_recipient(self) -> None:
        """R13, X6, X10: never two sends or two files for one key; only expected emails."""
        assert all(n == 1 for n in self.sender.sends.values()), self.sender.sends
        files = Counter(key for key, _ in self.eml_files())
        assert all(n == 1 for n in files.values()), files
        expected = self.expected_emails()
        assert set(self.sender.sends) == set(files)
        for key, subject in self.emails().items():
            assert key in expected, f"unexpected email {key}"
            assert subject.startswith(expected[key]), (key, subject, expected[key])

    @invariant()
    def another_tenant_sees_nothing(self) -> None:
        """X7: tenant 2 sees its own product and request only, its settings untouched."""
        mine = [self.t2_request.id] if self.visible(self.t2_request) else []
        listed = self.service.list_requests(self.admin2, ListQuery(limit=100, view="all"))
        assert [s.id for s in listed.items] == mine
        assert listed.process.use_own_process is False
        [item] = self.service.list_products(self.admin2)
        product = item.product
        assert (product.id, product.name) == ("visio", "Visio (Fabrikam)")
        assert (product.total_licenses, product.assigned_licenses) == (5, 0)
        if self.requests:
            newest = max(self.requests.values(), key=lambda r: r.created_at)
            with pytest.raises(NotFound):
                self.service.get_request(self.admin2, newest.id)

    # -- emails ------------------------------------------------------------------------------

    def eml_files(self) -> Iterator[tuple[str, str]]:
        """(key, subject) of every .eml file written, each file read once."""
        for path in sorted(self.outbox.glob("*.eml")):
            if path not in self.eml:
                mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                self.eml[path] = (str(mail[KEY_HEADER]).strip(), str(mail["Subject"]))
            yield self.eml[path]

    def emails(self) -> dict[str, str]:
        return dict(self.eml_files())

    def expected_emails(self) -> dict[str, str]:
        """Email key -> subject prefix of every email the notices so far ask for."""
        expected = {}
        for req in self.requests.values():
            expected[f"{self.t1}/O|{req.id}|submitted/{NOTIFY}"] = SUBJECTS["submitted"]
            for user, outcome in req.outcomes.items():
                kind = "denied" if req.status == "denied" else outcome
                expected[f"{self.t1}/O|{req.id}|decision/{user}"] = SUBJECTS[kind]
        return expected


# Derandomized, so CI runs the same programs each time (races aside). No shrinking: races
# make replays differ, and Hypothesis then spends minutes on it; a failure prints the
# whole program it ran (at most 20 steps). To minimise one locally, add Phase.shrink.
LIFECYCLE_SETTINGS = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_the_request_lifecycle_keeps_its_invariants(azurite: Azurite, tmp_path: Path) -> None:
    app_settings = settings_for(azurite)
    assert app_settings.retention_period == RETENTION

    class OnAzurite(Lifecycle):
        lab = Lab(app_settings, bootstrap.build_store(app_settings), tmp_path)

    run_state_machine_as_test(OnAzurite, settings=LIFECYCLE_SETTINGS)
