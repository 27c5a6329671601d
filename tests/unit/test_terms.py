"""Time-limited licences, the pure rules (X14): how a term is given and checked, when its
holder is warned, what a seat from the waitlist gets, and the extension body."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from shared.domain.commands import ApproveCommand
from shared.domain.errors import InvalidRequest
from shared.domain.terms import (
    ExtendCommand,
    Holder,
    LicenceTerm,
    due_entries,
    end_of,
    term_end,
    term_notice,
    term_notice_id,
)

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("duration", "length"),
    [
        ("PT20S", timedelta(seconds=20)),
        ("P90D", timedelta(days=90)),
        ("P2W", timedelta(days=14)),
        ("P1DT12H", timedelta(days=1, hours=12)),
    ],
)
def test_a_duration_runs_from_now(duration: str, length: timedelta) -> None:
    assert term_end(duration, None, NOW, field="licenseDuration") == NOW + length


def test_months_follow_the_calendar() -> None:
    assert term_end("P3M", None, NOW, field="licenseDuration") == datetime(
        2027, 2, 28, 9, 0, tzinfo=UTC
    )


def test_a_date_means_through_that_day_in_utc() -> None:
    assert end_of(date(2027, 3, 1)) == datetime(2027, 3, 2, tzinfo=UTC)
    assert term_end(None, date(2027, 3, 1), NOW, field="licenseUntil") == datetime(
        2027, 3, 2, tzinfo=UTC
    )
    exact = datetime(2027, 3, 1, 17, 30, tzinfo=UTC)
    assert term_end(None, exact, NOW, field="licenseUntil") == exact


def test_no_term_is_a_permanent_licence() -> None:
    assert term_end(None, None, NOW, field="licenseDuration") is None


@pytest.mark.parametrize(
    ("duration", "until"),
    [("PT5S", None), ("P6Y", None), (None, date(2026, 11, 28)), (None, NOW)],
)
def test_a_term_too_short_too_long_or_over_is_refused(
    duration: str | None, until: date | None
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        term_end(duration, until, NOW, field="licenseDuration" if duration else "licenseUntil")
    assert caught.value.status == 400


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "90D", "P-1D", "P1.5D", "p30d", "P30D "])
def test_only_iso_durations_are_accepted(text: str) -> None:
    with pytest.raises(ValidationError):
        ApproveCommand.model_validate({"licenseDuration": text})


def test_a_duration_and_a_date_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="not both"):
        ApproveCommand.model_validate({"licenseDuration": "P30D", "licenseUntil": "2027-01-01"})


def test_an_extension_gives_exactly_one_of_until_and_duration() -> None:
    assert ExtendCommand.model_validate({"duration": "P30D"}).duration == "P30D"
    assert ExtendCommand.model_validate({"until": "2027-01-01"}).until == date(2027, 1, 1)
    for bad in ({}, {"duration": "P1D", "until": "2027-01-01"}, {"duration": "soon"}):
        with pytest.raises(ValidationError):
            ExtendCommand.model_validate(bad)


def test_the_holder_is_warned_the_notice_before_the_end_or_at_once() -> None:
    ends = NOW + timedelta(days=30)
    warn, expire = due_entries("t", "visio", ["Lee@Contoso.com"], ends, timedelta(days=7), NOW)
    assert (warn.kind, warn.at, warn.email) == ("warn", ends - timedelta(days=7), "lee@contoso.com")
    assert (expire.kind, expire.at, expire.expires_at) == ("expire", ends, ends)
    short = NOW + timedelta(seconds=20)
    warn, _ = due_entries("t", "visio", ["lee@contoso.com"], short, timedelta(days=7), NOW)
    assert warn.at == NOW


def test_a_seat_from_the_waitlist_gets_the_approvals_term_from_when_it_is_given() -> None:
    seated = NOW + timedelta(days=3)
    assert LicenceTerm(duration="P30D").ends(seated) == seated + timedelta(days=30)
    fixed = datetime(2027, 1, 1, tzinfo=UTC)
    assert LicenceTerm(until=fixed).ends(seated) == fixed
    assert LicenceTerm().ends(seated) is None


def test_each_term_of_a_holder_has_its_own_emails() -> None:
    holder = Holder(product_id="visio", email="lee@contoso.com", expires_at=NOW)
    first = term_notice("expiring", holder, "Visio", None, NOW)
    later = term_notice(
        "expiring",
        holder.model_copy(update={"expires_at": NOW + timedelta(days=1)}),
        "Visio",
        None,
        NOW,
    )
    assert first.id != later.id  # an extended licence is warned again
    assert term_notice("reclaimed", holder, "Visio", None, NOW).id != first.id
    # No address in a key.
    assert "lee" not in term_notice_id("visio", "lee@contoso.com")
    assert term_notice_id("visio", "LEE@contoso.com") == term_notice_id("visio", "lee@contoso.com")
