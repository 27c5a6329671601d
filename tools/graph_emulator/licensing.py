"""Licence rules as Microsoft Entra ID applies them: seats, plan conflicts, groups.

- A SKU's `consumedUnits` counts the users holding it actively, directly or through a
  group, once per user; a user who holds a SKU both ways takes one seat.
- `assignLicense` is all or nothing: the first failing check answers Graph's 400 and
  nothing changes. Re-assigning a SKU the user already holds only updates its
  disabledPlans.
- A group's licences reach each member as assignments with `assignedByGroup`; one that
  cannot be applied is kept in state `Error` with its reason (CountViolation, ...), takes
  no seat and does not show in `assignedLicenses`. `reprocess` tries those again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from .model import Assignment, Group, Rules, Sku, Tenant, User
from .protocol import GraphError, bad_request, iso_seconds


def consumed_units(tenant: Tenant, sku_id: str) -> int:
    return sum(1 for user in tenant.users.values() if sku_id in user.active_skus())


def free_units(tenant: Tenant, sku: Sku) -> int:
    return sku.prepaid["enabled"] - consumed_units(tenant, sku.sku_id)


def assigned_licenses(user: User) -> list[dict[str, object]]:
    """The user's `assignedLicenses`: every active SKU once (a plan stays disabled only if
    every assignment of the SKU disables it)."""
    merged: dict[str, set[str]] = {}
    for a in user.assignments:
        if a.active:
            plans = set(a.disabled_plans)
            merged[a.sku_id] = merged[a.sku_id] & plans if a.sku_id in merged else plans
    order = list(dict.fromkeys(a.sku_id for a in user.assignments if a.active))
    return [{"disabledPlans": sorted(merged[s]), "skuId": s} for s in order]


def enabled_plans(tenant: Tenant, assignments: Iterable[Assignment]) -> set[str]:
    plans: set[str] = set()
    for a in assignments:
        sku = tenant.skus.get(a.sku_id)
        if a.active and sku is not None:
            plans.update(p for p in sku.plan_ids() if p not in a.disabled_plans)
    return plans


def rule_violation(plans: set[str], rules: Rules) -> tuple[str, str] | None:
    """(licenseAssignmentState error, Graph message) for the first rule `plans` break."""
    for a, b in rules.exclusive:
        if a in plans and b in plans:
            message = (
                f"License assignment failed because service plans {a},{b} are mutually exclusive"
            )
            return "MutuallyExclusiveViolation", message
    for plan, needs in rules.dependencies.items():
        if plan in plans and needs and not plans.intersection(needs):
            message = (
                f"License assignment failed because service plan {plan} depends on the "
                f"service plan(s) {','.join(needs)}"
            )
            return "DependencyViolation", message
    return None


def _invalid_license(sku_id: str) -> GraphError:
    return bad_request(f"License {sku_id} does not correspond to a valid company License.")


def _no_seats(sku_id: str) -> GraphError:
    return bad_request(f"Subscription with SKU {sku_id} does not have any available licenses.")


def assign_license(
    tenant: Tenant,
    user: User,
    add: list[tuple[str, list[str]]],
    remove: list[str],
    rules: Rules,
) -> None:
    """Apply an assignLicense call to `user`, or raise the GraphError Graph would answer."""
    for sku_id, disabled in add:
        sku = tenant.skus.get(sku_id)
        if sku is None or sku.applies_to != "User":
            raise _invalid_license(sku_id)
        unknown = [p for p in disabled if p not in sku.plan_ids()]
        if unknown:
            raise bad_request(
                "Invalid value specified for property 'disabledPlans' of resource "
                "'AssignedLicense'."
            )
    for sku_id in remove:
        if sku_id in {s for s, _ in add}:
            raise bad_request(f"License {sku_id} is both added and removed in the same request.")
        if user.direct(sku_id) is None:
            if any(a.sku_id == sku_id for a in user.assignments):
                raise bad_request(
                    "User license is inherited from a group membership and it cannot be "
                    "removed directly from the user."
                )
            raise bad_request("User does not have a corresponding license.")
    if add and not user.props.get("usageLocation"):
        raise bad_request("License assignment cannot be done for user with invalid usage location.")

    now = iso_seconds()
    # Copies: nothing changes on the user unless every check passes.
    kept = [
        replace(a, disabled_plans=list(a.disabled_plans))
        for a in user.assignments
        if not (a.assigned_by_group is None and a.sku_id in remove)
    ]
    held = {a.sku_id for a in kept if a.active}
    for sku_id, disabled in add:
        current = next(
            (a for a in kept if a.assigned_by_group is None and a.sku_id == sku_id), None
        )
        if current is not None:
            current.disabled_plans, current.last_updated = list(disabled), now
            continue
        if sku_id not in held and free_units(tenant, tenant.skus[sku_id]) < 1:
            raise _no_seats(sku_id)
        kept.append(Assignment(sku_id, list(disabled), None, "Active", "None", now))
        held.add(sku_id)
    violation = rule_violation(enabled_plans(tenant, kept), rules)
    if violation is not None:
        raise bad_request(violation[1])
    user.assignments = kept


def group_assignment(
    tenant: Tenant, user: User, group: Group, license_: Mapping[str, Any], rules: Rules
) -> Assignment:
    """What one of `group`'s licences becomes for member `user`, given the rest."""
    sku_id = str(license_["skuId"])
    disabled = [str(p) for p in license_.get("disabledPlans") or []]
    assignment = Assignment(sku_id, disabled, group.id)
    others = [a for a in user.assignments if a.assigned_by_group != group.id or a.sku_id != sku_id]
    sku = tenant.skus.get(sku_id)
    if sku is None or sku.applies_to != "User":
        assignment.state, assignment.error = "Error", "Other"
        return assignment
    holds = any(a.active and a.sku_id == sku_id for a in others)
    if not holds and free_units(tenant, sku) < 1:
        assignment.state, assignment.error = "Error", "CountViolation"
        return assignment
    violation = rule_violation(enabled_plans(tenant, [*others, assignment]), rules)
    if violation is not None:
        assignment.state, assignment.error = "Error", violation[0]
    return assignment


def apply_group(tenant: Tenant, user: User, group: Group, rules: Rules) -> None:
    """(Re)apply every licence of `group` to member `user`."""
    user.assignments = [a for a in user.assignments if a.assigned_by_group != group.id]
    for license_ in group.assigned_licenses:
        user.assignments.append(group_assignment(tenant, user, group, license_, rules))


def add_member(tenant: Tenant, group: Group, user: User, rules: Rules) -> None:
    group.members.append(user.id)
    apply_group(tenant, user, group, rules)


def remove_member(group: Group, user: User) -> None:
    group.members.remove(user.id)
    user.assignments = [a for a in user.assignments if a.assigned_by_group != group.id]


def reprocess(tenant: Tenant, user: User, rules: Rules) -> None:
    """Try the user's failed group licences again (Graph's reprocessLicenseAssignment)."""
    for group_id in {a.assigned_by_group for a in user.assignments if not a.active}:
        group = tenant.groups.get(group_id or "")
        if group is not None and user.id in group.members:
            apply_group(tenant, user, group, rules)


def apply_seeded_groups(tenant: Tenant, rules: Rules) -> None:
    """Give members the group licences a seed implies (users without a state for them)."""
    for group in tenant.groups.values():
        for member in group.members:
            user = tenant.users.get(member)
            if user is not None and not any(
                a.assigned_by_group == group.id for a in user.assignments
            ):
                apply_group(tenant, user, group, rules)
