"""R13, X10, X11: every email says truthfully, in its reader's language, who asked, who
decided and what it means for the reader, and links to the request."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.app.email_rendering import EmailRenderer, request_url
from shared.app.email_wording import TEMPLATES, load_templates, supported_language
from shared.app.notifications import LANGUAGE_TTL, TenantLanguages
from shared.app.ports import OutgoingEmail
from shared.domain.models import Decision, LicenseRequest, Person, RequestUser
from shared.domain.notices import decision_notice, submitted_notice
from tests.support.clock import FrozenClock

REQUEST_ID = "8204059814205l13haq"
BASE = "https://licenses.contoso.example"
LINK = f"{BASE}/api/console/#/requests/{REQUEST_ID}"
MEGAN = {"id": "m1", "name": "Megan Bowen", "email": "megan@contoso.com"}


def user(email: str, name: str | None, outcome: str, **extra: Any) -> dict[str, Any]:
    return {"email": email, "name": name, "outcome": outcome, **extra}


def decision(*users: dict[str, Any], action: str = "approve", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "decision",
        "requestId": REQUEST_ID,
        "action": action,
        "requestedProductName": "Visio Plan 2",
        "productName": "Visio Plan 2",
        "disabledServicePlans": [],
        "message": None,
        "decidedBy": "Ada Admin",
        "requester": MEGAN,
        "users": list(users),
        **extra,
    }


def admin_notice(kind: str, count: int) -> dict[str, Any]:
    failure = {"code": "usage_location_missing", "message": "License assignment failed"}
    users = [
        user(f"u{i}@contoso.com", f"User {i}", "failed", failure=failure) for i in range(count)
    ]
    return {
        "kind": kind,
        "requestId": REQUEST_ID,
        "productName": "Visio Plan 2",
        "requester": MEGAN,
        "users": users,
        "justification": None,
        "recipients": ["it@contoso.com"],
    }


def render(payload: dict[str, Any], language: str = "en", tenant: str | None = None) -> list[Any]:
    renderer = EmailRenderer(language, public_base_url=BASE)
    return renderer.render("t", f"O|{REQUEST_ID}|{payload['kind']}", payload, lambda: tenant)


def to(emails: list[OutgoingEmail], address: str) -> OutgoingEmail:
    [found] = [e for e in emails if e.to == address]
    return found


def body(email: OutgoingEmail) -> str:
    """The text part as one line (templates wrap sentences)."""
    return " ".join(email.text.split())


# ---- wording by role ------------------------------------------------------------------------

APPROVED_IN_PART = decision(
    user("megan@contoso.com", "Megan Bowen", "assigned"),
    user("lee@contoso.com", "Lee Gu", "assigned"),
    user("nestor@contoso.com", "Nestor Wilke", "notAssigned"),
)


def test_the_requester_reads_about_their_own_request_and_who_approved_it() -> None:
    mail = to(render(APPROVED_IN_PART), "megan@contoso.com")
    assert mail.subject == "Approved: your license for Visio Plan 2"
    assert "Ada Admin approved your request for Visio Plan 2." in body(mail)
    assert "asked for a license for" not in body(mail)


def test_a_user_named_by_someone_else_reads_who_asked_for_them_and_who_approved() -> None:
    mail = to(render(APPROVED_IN_PART), "lee@contoso.com")
    assert (
        "Megan Bowen asked for a license for Visio Plan 2 for you, and Ada Admin approved it."
        in body(mail)
    )
    assert "your request" not in body(mail)
    assert "Everyone in your request" not in mail.text, "only the requester sees everyone"


def test_a_user_removed_from_an_approval_reads_it_was_not_approved_for_them() -> None:
    mail = to(render(APPROVED_IN_PART), "nestor@contoso.com")
    assert mail.subject == "Not approved for you: Visio Plan 2"
    assert "Megan Bowen asked for a license for Visio Plan 2 for you." in body(mail)
    assert "Ada Admin approved the request for others, but not for you" in body(mail)
    assert "You now have" not in body(mail)


def test_a_requester_removed_from_their_own_request_reads_it_was_approved_for_others() -> None:
    payload = decision(
        user("megan@contoso.com", "Megan Bowen", "notAssigned"),
        user("lee@contoso.com", "Lee Gu", "assigned"),
    )
    mail = to(render(payload), "megan@contoso.com")
    assert mail.subject == "Not approved for you: Visio Plan 2"
    assert (
        "Ada Admin approved your request for Visio Plan 2 for others in it, but not for you"
        in body(mail)
    )


def test_a_denial_names_who_asked_and_who_denied() -> None:
    payload = decision(
        user("megan@contoso.com", "Megan Bowen", "notAssigned"),
        user("lee@contoso.com", "Lee Gu", "notAssigned"),
        action="deny",
        message="Budget",
    )
    mails = render(payload)
    assert "Ada Admin denied your request for Visio Plan 2." in body(to(mails, "megan@contoso.com"))
    lee = body(to(mails, "lee@contoso.com"))
    assert "Megan Bowen asked for a license for Visio Plan 2 for you. Ada Admin denied" in lee
    assert "Message from Ada Admin: Budget" in lee
    assert {m.subject for m in mails} == {"Denied: license request for Visio Plan 2"}


def test_korean_wording_by_role() -> None:
    mails = render(APPROVED_IN_PART, "ko")
    megan = body(to(mails, "megan@contoso.com"))
    assert "요청하신 Visio Plan 2 라이선스를 Ada Admin님이 승인했습니다." in megan
    lee = body(to(mails, "lee@contoso.com"))
    assert (
        "Megan Bowen님이 회원님을 위해 Visio Plan 2 라이선스를 요청했고, Ada Admin님이 승인" in lee
    )
    nestor = to(mails, "nestor@contoso.com")
    assert nestor.subject == "회원님에게는 승인되지 않음: Visio Plan 2"
    assert "Megan Bowen님이 회원님을 위해" in body(nestor)
    assert "회원님에게는 승인하지 않았으므로" in body(nestor)
    denied = render(
        decision(
            user("megan@contoso.com", "Megan Bowen", "notAssigned"),
            user("lee@contoso.com", "Lee Gu", "notAssigned"),
            action="deny",
        ),
        "ko",
    )
    assert "Ada Admin님이 거부했습니다" in body(to(denied, "megan@contoso.com"))
    lee_denied = body(to(denied, "lee@contoso.com"))
    assert (
        "Megan Bowen님이 회원님을 위해 Visio Plan 2 라이선스를 요청했지만, Ada Admin님이"
        in lee_denied
    )


def test_microsoft_365_outcomes_stay_truthful_for_each_role() -> None:
    failure = {"code": "usage_location_missing", "message": "License assignment failed"}
    payload = decision(
        user("megan@contoso.com", "Megan Bowen", "alreadyLicensed"),
        user("lee@contoso.com", "Lee Gu", "failed", failure=failure),
        user("alex@contoso.com", "Alex Wilber", "assigned"),
        productName="Office 365 E5",
        requestedProductName="Office 365 E3",
        disabledServicePlans=["Teams"],
    )
    mails = render(payload)
    megan = to(mails, "megan@contoso.com")
    assert megan.subject == "Approved: you already have Office 365 E5"
    assert "nothing changed for you" in body(megan) and "Teams" not in megan.text
    lee = to(mails, "lee@contoso.com")
    assert lee.subject == "Not completed: your license for Office 365 E5"
    assert "Megan Bowen asked for a license for Office 365 E3 for you" in body(lee)
    assert "could not assign you a license for Office 365 E5: your account has no usage" in body(
        lee
    )
    alex = to(mails, "alex@contoso.com")
    assert "You now have a license for Office 365 E5." in body(alex)
    assert "switched off for you: Teams" in alex.text


# ---- links, ids, plurals, greetings ---------------------------------------------------------


def every_kind() -> list[dict[str, Any]]:
    failure = {"code": "graph_error", "message": "x"}
    return [
        decision(
            user("megan@contoso.com", "Megan Bowen", "assigned"),
            user("lee@contoso.com", None, "alreadyLicensed"),
            user("alex@contoso.com", None, "notAssigned"),
            user("nestor@contoso.com", None, "failed", failure=failure),
        ),
        decision(user("megan@contoso.com", "Megan Bowen", "notAssigned"), action="deny"),
        admin_notice("submitted", 2),
        admin_notice("failures", 1),
    ]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_email_links_to_the_request_and_never_shows_its_id(language: str) -> None:
    for payload in every_kind():
        mails = render(payload, language)
        assert mails
        for mail in mails:
            assert LINK in mail.text
            assert f'<a href="{LINK}">' in mail.html
            for shown in (mail.subject, mail.text.replace(LINK, ""), mail.html.replace(LINK, "")):
                assert REQUEST_ID not in shown
            assert "${" not in mail.subject + mail.text + mail.html


def test_the_link_is_built_from_the_public_base_url() -> None:
    assert request_url("http://127.0.0.1:7071", "r1") == (
        "http://127.0.0.1:7071/api/console/#/requests/r1"
    )
    assert request_url("https://x.example/", "a/b?c") == (
        "https://x.example/api/console/#/requests/a%2Fb%3Fc"
    )
    [mail] = EmailRenderer("en").render("t", "O|r1|submitted", admin_notice("submitted", 1))
    assert "http://127.0.0.1:7071/api/console/#/requests/" in mail.text, "the local default"


@pytest.mark.parametrize(
    ("language", "count", "subject", "phrase"),
    [
        ("en", 1, "New license request: Visio Plan 2 for 1 user", "for 1 user:"),
        ("en", 2, "New license request: Visio Plan 2 for 2 users", "for 2 users:"),
        ("ko", 1, "새 라이선스 요청: Visio Plan 2 (사용자 1명)", "사용자 1명을 위해"),
        ("ko", 2, "새 라이선스 요청: Visio Plan 2 (사용자 2명)", "사용자 2명을 위해"),
    ],
)
def test_the_admin_notice_counts_users_in_the_languages_plural_rules(
    language: str, count: int, subject: str, phrase: str
) -> None:
    [mail] = render(admin_notice("submitted", count), language)
    assert mail.subject == subject
    assert phrase in mail.text and phrase in mail.html
    assert LINK in mail.text
    assert "(s)" not in mail.subject + mail.text


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [("en", 1, "for 1 user"), ("en", 3, "for 3 users"), ("ko", 3, "(사용자 3명)")],
)
def test_the_failures_notice_counts_users_too(language: str, count: int, expected: str) -> None:
    [mail] = render(admin_notice("failures", count), language)
    assert mail.subject.endswith(expected)


@pytest.mark.parametrize(
    ("language", "named", "unnamed"),
    [("en", "Hello Lee Gu,", "Hello,"), ("ko", "Lee Gu님, 안녕하세요.", "안녕하세요.")],
)
def test_the_greeting_uses_the_name_or_none_never_the_address(
    language: str, named: str, unnamed: str
) -> None:
    payload = decision(
        user("megan@contoso.com", "megan@contoso.com", "assigned"),  # a token without a name
        user("lee@contoso.com", "Lee Gu", "assigned"),
        user("alex@contoso.com", None, "assigned"),
        user("nestor@contoso.com", "  ", "assigned"),
    )
    mails = render(payload, language)
    assert to(mails, "lee@contoso.com").text.startswith(named + "\n")
    for address in ("megan@contoso.com", "alex@contoso.com", "nestor@contoso.com"):
        mail = to(mails, address)
        assert mail.text.startswith(unnamed + "\n"), mail.text
        assert f"<p>{unnamed}</p>" in mail.html
        assert address not in mail.text.splitlines()[0]


# ---- per-recipient language -----------------------------------------------------------------


def test_each_user_reads_their_directory_language_whatever_the_fallbacks() -> None:
    payload = decision(
        user("megan@contoso.com", "Megan Bowen", "assigned", language="en-US"),
        user("lee@contoso.com", "Lee Gu", "assigned", language="ko-KR"),
    )
    for deployment, tenant in (("en", None), ("ko", "ko"), ("en", "en")):
        mails = render(payload, deployment, tenant)
        assert to(mails, "lee@contoso.com").subject == "승인됨: Visio Plan 2 라이선스"
        assert '<html lang="ko">' in to(mails, "lee@contoso.com").html
        assert to(mails, "megan@contoso.com").subject == "Approved: your license for Visio Plan 2"


@pytest.mark.parametrize(
    ("language", "tenant", "deployment", "expected"),
    [
        (None, "ko", "en", "ko"),  # no directory language: the tenant's setting
        ("fr-FR", "ko", "en", "ko"),  # one emails are not written in: the same
        (None, None, "ko", "ko"),  # no tenant setting: the deployment's
        ("xx", None, "en", "en"),
        (None, "en", "ko", "en"),  # the tenant's setting beats the deployment's
        ("ko", "en", "en", "ko"),  # the user's beats both
    ],
)
def test_the_language_falls_back_from_user_to_tenant_to_deployment(
    language: str | None, tenant: str | None, deployment: str, expected: str
) -> None:
    extra = {"language": language} if language else {}
    payload = decision(user("lee@contoso.com", "Lee Gu", "assigned", **extra))
    [mail] = render(payload, deployment, tenant)
    assert f'<html lang="{expected}">' in mail.html


@pytest.mark.parametrize("kind", ["submitted", "failures"])
def test_admins_read_the_tenants_language_then_the_deployments(kind: str) -> None:
    payload = admin_notice(kind, 1)
    payload["users"][0]["language"] = "ko-KR"  # a user's language is not the admins'
    assert '<html lang="en">' in render(payload, "en", None)[0].html
    assert '<html lang="ko">' in render(payload, "ko", None)[0].html
    assert '<html lang="ko">' in render(payload, "en", "ko")[0].html
    assert '<html lang="en">' in render(payload, "ko", "en")[0].html


def test_the_tenants_setting_is_read_once_per_notice_and_only_when_needed() -> None:
    calls: list[str] = []

    def tenant_language() -> str | None:
        calls.append("read")
        return "ko"

    renderer = EmailRenderer("en")
    everyone_known = decision(
        user("megan@contoso.com", "Megan Bowen", "assigned", language="en-US"),
        user("lee@contoso.com", "Lee Gu", "assigned", language="ko-KR"),
    )
    renderer.render("t", "O|r|decision", everyone_known, tenant_language)
    assert calls == []
    some_unknown = decision(
        user("megan@contoso.com", "Megan Bowen", "assigned"),
        user("lee@contoso.com", "Lee Gu", "assigned"),
        user("alex@contoso.com", "Alex Wilber", "assigned", language="en-US"),
    )
    mails = renderer.render("t", "O|r|decision", some_unknown, tenant_language)
    assert calls == ["read"]
    assert [m.html.count('lang="ko"') for m in mails] == [1, 1, 0]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("ko-KR", "ko"),
        ("ko", "ko"),
        ("EN-us", "en"),
        ("en_GB", "en"),
        (" ko-Kore-KR ", "ko"),
        ("fr-FR", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_a_language_tag_maps_by_its_primary_subtag(tag: object, expected: str | None) -> None:
    assert supported_language(tag) == expected


def test_notice_payloads_carry_each_users_directory_language_only_when_known() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    ada = Person(id="a", name="Ada Admin", email="ada@contoso.com")
    request = LicenseRequest.model_validate(
        {
            "id": REQUEST_ID,
            "productId": "visio",
            "productName": "Visio Plan 2",
            "requester": MEGAN,
            "users": [
                RequestUser(email="megan@contoso.com", name="Megan Bowen", outcome="assigned"),
                RequestUser(email="lee@contoso.com", outcome="assigned", language="ko-KR"),
            ],
            "status": "approved",
            "createdAt": at,
            "expiresAt": at + timedelta(days=30),
            "decision": Decision(action="approve", decided_at=at, decided_by=ada),
        }
    )
    for notice in (decision_notice(request, None), submitted_notice(request, ["it@x.com"])):
        users = notice.payload["users"]
        assert isinstance(users, list)
        assert [u.get("language") for u in users] == [None, "ko-KR"]
        assert "language" not in users[0], "rows without a language read as before"
    mails = render(dict(decision_notice(request, None).payload), "en")
    assert '<html lang="ko">' in to(mails, "lee@contoso.com").html


def test_the_worker_reads_a_tenants_language_at_most_once_a_minute() -> None:
    clock = FrozenClock()
    reads: list[str] = []

    def read(tenant: str) -> str | None:
        reads.append(tenant)
        if tenant == "broken":
            raise ValueError("a settings row that does not parse")
        return "ko"

    languages = TenantLanguages(read, clock)
    assert [languages("t1"), languages("t1"), languages("t2")] == ["ko", "ko", "ko"]
    assert reads == ["t1", "t2"]
    clock.advance(LANGUAGE_TTL + timedelta(seconds=1))
    assert languages("t1") == "ko"
    assert reads == ["t1", "t2", "t1"]
    assert languages("broken") is None, "an unreadable setting falls back, never blocks"


# ---- X13 and old rows -----------------------------------------------------------------------


def test_html_escapes_every_stored_value() -> None:
    evil = "<script>x</script>"
    payload = decision(
        user("megan@contoso.com", evil, "assigned"),
        user("lee@contoso.com", evil, "notAssigned"),
        requestedProductName=evil,
        productName=evil,
        decidedBy=evil,
        message=evil,
        disabledServicePlans=[evil],
        requester={"id": "m", "name": evil, "email": "megan@contoso.com"},
    )
    submitted = {**admin_notice("submitted", 1), "justification": evil, "productName": evil}
    for mail in render(payload) + render(payload, "ko") + render(submitted):
        assert "<script>" not in mail.html
        assert "&lt;script&gt;" in mail.html


def test_rows_written_before_languages_and_links_still_render() -> None:
    old_decision = {
        "kind": "decision",
        "requestId": "r1",
        "action": "approve",
        "requestedProductName": "E3",
        "productName": "E3",
        "disabledServicePlans": [],
        "message": None,
        "decidedBy": "Ada",
        "requester": {"id": "u", "name": "Megan", "email": "m@x.com"},
        "users": [{"email": "m@x.com", "name": "Megan", "outcome": "assigned"}],
    }
    old_submitted = {
        "kind": "submitted",
        "requestId": "r1",
        "productName": "E3",
        "requester": {"id": "u", "name": "Megan", "email": "m@x.com"},
        "users": [{"email": "m@x.com", "name": "Megan", "outcome": "pending"}],
        "justification": None,
        "recipients": ["it@x.com"],
    }
    for payload in (old_decision, old_submitted):
        for language in ("en", "ko"):
            [mail] = EmailRenderer(language).render("t", "O|r1|x", payload)
            assert re.search(r"/api/console/#/requests/r1\b", mail.text)


def test_a_template_file_missing_a_role_is_refused(tmp_path: Path) -> None:
    text = (TEMPLATES / "en.toml").read_text(encoding="utf-8")
    broken = text.replace("[denied.included]", "[denied.someone_else]")
    (tmp_path / "en.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match=r"\[denied.included\] subject"):
        load_templates("en", tmp_path)
    with pytest.raises(ValueError, match="no email templates"):
        EmailRenderer("fr")
