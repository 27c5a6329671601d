"""One language's email wording (email_templates/<language>.toml) and the small rules of
language the templates cannot hold: which languages exist, plural forms, greetings."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

TEMPLATES = Path(__file__).with_name("email_templates")
# The languages emails are written in: one file each.
LANGUAGES = ("en", "ko")
# A decision's emails are worded by outcome and by the recipient's part in the request:
# the requester ("your request") or someone the requester named ("Lee Gu asked for a
# license for you").
DECISION_KINDS = ("approved", "already_licensed", "not_assigned", "denied", "not_fulfilled")
ROLES = ("requester", "included")
# Emails to the admins listed in notifyAdmins (and, escalated, to those in escalateTo).
ADMIN_KINDS = ("new_request", "fulfilment_failures", "reminder_digest", "escalation_digest")
# The pieces of a digest ([digest_parts]), each as text and as html.
DIGEST_PARTS = ("row", "escalated", "more", "escalation")
PARTS = ("subject", "text", "html")
SNIPPETS = (
    "greeting",
    "greeting_unnamed",
    "message_text",
    "message_html",
    "disabled_text",
    "disabled_html",
    "others_text",
    "others_html",
    "others_row_text",
    "others_row_html",
)


def supported_language(tag: object) -> str | None:
    """The email language for a language tag by its primary subtag ("ko-KR" is "ko"), or
    None for a tag of a language emails are not written in (or no tag)."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def _plural_category(language: str, count: int) -> str:
    """CLDR's cardinal category: English says "1 user", "2 users"; Korean counts with a
    counter word and has no plural form ("사용자 1명", "사용자 2명")."""
    if language == "en":
        return "one" if count == 1 else "other"
    return "other"


@cache
def load_templates(language: str, directory: Path = TEMPLATES) -> dict[str, Any]:
    """The wording of one language; refuses a file that misses a kind, a role or a part."""
    data = tomllib.loads((directory / f"{language}.toml").read_text(encoding="utf-8"))
    wanted: list[tuple[str, str | None]] = [(k, r) for k in DECISION_KINDS for r in ROLES]
    wanted += [(kind, None) for kind in ADMIN_KINDS]
    for kind, role in wanted:
        section = data.get(kind, {})
        section = section.get(role, {}) if role else section
        for part in PARTS:
            if not isinstance(section.get(part), str):
                where = f"{kind}.{role}" if role else kind
                raise ValueError(f"{language}.toml lacks [{where}] {part}")
    for name in SNIPPETS:
        if name not in data.get("snippets", {}):
            raise ValueError(f"{language}.toml lacks [snippets] {name}")
    for name in (f"{p}_{f}" for p in DIGEST_PARTS for f in ("text", "html")):
        if name not in data.get("digest_parts", {}):
            raise ValueError(f"{language}.toml lacks [digest_parts] {name}")
    for noun in ("users", "requests", "days", "hours", "minutes"):
        if f"{noun}_other" not in data.get("plurals", {}):
            raise ValueError(f"{language}.toml lacks [plurals] {noun}_other")
    return data


class Wording:
    """The templates of one language, filled in."""

    def __init__(self, language: str, directory: Path = TEMPLATES) -> None:
        self.language = language
        self._t = load_templates(language, directory)

    def template(self, kind: str, role: str | None = None) -> Mapping[str, str]:
        """The subject, text and html of a kind (of a decision kind, for a role)."""
        section: Mapping[str, Any] = self._t[kind]
        return section[role] if role else section

    def fill(
        self,
        template: Mapping[str, str],
        values: Mapping[str, str],
        html_values: Mapping[str, str],
    ) -> tuple[str, str, str]:
        """Subject, text and html page; `html_values` are escaped already."""
        subject = Template(template["subject"]).safe_substitute(values).strip()
        text = Template(template["text"]).safe_substitute(values).strip() + "\n"
        body = Template(template["html"]).safe_substitute(html_values).strip()
        page = Template(self._t["layout"]["html"]).safe_substitute(body=body)
        return subject, text, page

    def snippet(self, name: str, as_html: bool, **values: str) -> str:
        """A piece some emails have (the admin's message, the switched-off apps...)."""
        return self.piece("snippets", name, as_html, **values)

    def piece(self, section: str, name: str, as_html: bool, **values: str) -> str:
        """A piece of a section of pieces ([snippets], [digest_parts]), as text or html."""
        suffix = "html" if as_html else "text"
        return Template(self._t[section][f"{name}_{suffix}"]).safe_substitute(values)

    def label(self, key: str) -> str:
        """The words for an outcome or a failure code (the key itself when unknown)."""
        return str(self._t["labels"].get(key, key))

    def count(self, noun: str, count: int) -> str:
        """A number of things in this language's plural form ("2 users", "사용자 2명")."""
        forms = self._t["plurals"]
        form = forms.get(f"{noun}_{_plural_category(self.language, count)}")
        return Template(form or forms[f"{noun}_other"]).safe_substitute(count=str(count))

    def greeting(self, name: object, email: str) -> str:
        """The greeting by name ("Hello Lee Gu,"), or without one ("Hello,"): never the
        address (which a token without a name claim leaves as the name)."""
        snippets = self._t["snippets"]
        name = name.strip() if isinstance(name, str) else ""
        if name and name.lower() != email.strip().lower():
            return Template(snippets["greeting"]).safe_substitute(name=name)
        return str(snippets["greeting_unnamed"])
