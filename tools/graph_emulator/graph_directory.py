"""`/subscribedSkus` and `/groups` (read, members, `$ref` to add and remove members)."""

from __future__ import annotations

from . import licensing
from .graph_base import Call, Row, entity, page, select_of
from .graph_users import DEFAULT as USER_DEFAULT
from .graph_users import user_row
from .model import Group, Sku, is_guid
from .odata import unsupported
from .protocol import Response, bad_request, empty_response, json_response, not_found

SKU_FIELDS = (
    "accountId",
    "accountName",
    "appliesTo",
    "capabilityStatus",
    "consumedUnits",
    "id",
    "prepaidUnits",
    "servicePlans",
    "skuId",
    "skuPartNumber",
    "subscriptionIds",
)
GROUP_DEFAULT = (
    "id",
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
    "visibility",
)
GROUP_KNOWN = (*GROUP_DEFAULT, "assignedLicenses", "licenseProcessingState")
MEMBERS_PAGE = 100


def sku_row(call: Call, sku: Sku) -> Row:
    return {
        "accountId": call.tenant.account_id,
        "accountName": call.tenant.display_name,
        "appliesTo": sku.applies_to,
        "capabilityStatus": sku.capability_status,
        "consumedUnits": licensing.consumed_units(call.tenant, sku.sku_id),
        "id": f"{call.tenant.id}_{sku.sku_id}",
        "prepaidUnits": dict(sku.prepaid),
        "servicePlans": [dict(p) for p in sku.service_plans],
        "skuId": sku.sku_id,
        "skuPartNumber": sku.part_number,
        "subscriptionIds": list(sku.subscription_ids),
    }


def list_skus(call: Call) -> Response:
    if any(k in call.req.query for k in ("$filter", "$search", "$orderby")):
        raise unsupported("Query filter expressions are not supported on subscribedSkus.")
    select = select_of(call, SKU_FIELDS)
    fragment = f"subscribedSkus({','.join(select)})" if select else "subscribedSkus"
    rows = [sku_row(call, s) for s in call.tenant.skus.values()]
    values = [{k: r[k] for k in (select or SKU_FIELDS)} for r in rows]
    return json_response(200, {"@odata.context": call.context(fragment), "value": values})


def get_sku(call: Call) -> Response:
    wanted = call.args[0].lower()
    for sku in call.tenant.skus.values():
        if f"{call.tenant.id}_{sku.sku_id}" == wanted:
            return entity(
                call, "subscribedSkus", sku_row(call, sku), select_of(call, SKU_FIELDS), SKU_FIELDS
            )
    raise not_found(call.args[0])


def _group(call: Call) -> Group:
    group = call.tenant.groups.get(call.args[0].lower())
    if group is None:
        raise not_found(call.args[0])
    return group


def group_row(group: Group) -> Row:
    row: Row = dict.fromkeys(GROUP_KNOWN)
    row.update(group.props)
    row["id"] = group.id
    row["assignedLicenses"] = [dict(a) for a in group.assigned_licenses]
    row["licenseProcessingState"] = {"state": "ProcessingComplete"}
    return row


def get_group(call: Call) -> Response:
    return entity(
        call, "groups", group_row(_group(call)), select_of(call, GROUP_KNOWN), GROUP_DEFAULT
    )


def list_members(call: Call) -> Response:
    group = _group(call)
    rows = []
    for member in group.members:
        user = call.tenant.users.get(member)
        if user is not None:
            rows.append({"@odata.type": "#microsoft.graph.user", **user_row(user)})
    default = ("@odata.type", *USER_DEFAULT)
    path = f"groups/{group.id}/members"
    return page(
        call, "directoryObjects", rows, default[1:], default, page_size=MEMBERS_PAGE, path=path
    )


def add_member(call: Call) -> Response:
    group = _group(call)
    body = call.body_object()
    reference = body.get("@odata.id")
    if not isinstance(reference, str) or not reference.strip():
        raise bad_request("Invalid request body: '@odata.id' is required.")
    object_id = reference.rstrip("/").rpartition("/")[2]
    if not is_guid(object_id):
        raise bad_request(f"Invalid object identifier '{object_id}'.")
    user = call.tenant.users.get(object_id.lower())
    if user is None:
        raise not_found(object_id)
    if user.id in group.members:
        raise bad_request(
            "One or more added object references already exist for the following modified "
            "properties: 'members'."
        )
    licensing.add_member(call.tenant, group, user, call.rules)
    return empty_response(204)


def remove_member(call: Call) -> Response:
    group = _group(call)
    user = call.tenant.users.get(call.args[1].lower())
    if user is None or user.id not in group.members:
        raise not_found(call.args[1])
    licensing.remove_member(group, user)
    return empty_response(204)
