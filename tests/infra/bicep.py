"""Reading infra/*.bicep with pycep (the parser checkov uses), for the tests."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MODULES = INFRA / "app"

# `extension <alias>` (Bicep extensibility, e.g. the Microsoft Graph extension) came after
# the pycep-parser release this project pins: the parser stops at the keyword. The line
# only brings the alias's types into scope, so it is read here and blanked before parsing
# (line numbers unchanged); everything else in the file is parsed as usual.
EXTENSION_LINE = re.compile(r"^extension\s+(\w+)\s*$", re.MULTILINE)


def extensions(path: Path) -> list[str]:
    """The aliases a Bicep file declares with `extension`."""
    return EXTENSION_LINE.findall(path.read_text())


@cache
def parse(path: Path) -> dict[str, Any]:
    """The pycep JSON of one Bicep file (parsed once per test run)."""
    text = EXTENSION_LINE.sub("", path.read_text())
    return dict(BicepParser().parse(text=text))


def module(name: str) -> dict[str, Any]:
    """infra/app/<name>.bicep, parsed."""
    return parse(MODULES / f"{name}.bicep")


def main() -> dict[str, Any]:
    """infra/main.bicep, parsed."""
    return parse(INFRA / "main.bicep")


def resource_type(resource: dict[str, Any]) -> str:
    """A resource's type without its version (pycep keeps `@v1.0` on nested resources)."""
    type_: str = resource["type"]
    return type_.split("@", 1)[0]


def resources(template: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    """Every declared (not `existing`) resource of one type, as pycep describes it."""
    return [
        r
        for r in template.get("resources", {}).values()
        if resource_type(r) == type_ and not r["existing"]
    ]


def the_resource(template: dict[str, Any], type_: str) -> dict[str, Any]:
    """The one declared resource of a type."""
    found = resources(template, type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


def body(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource's configuration, looking through a `for` loop if it has one."""
    config: dict[str, Any] = resource["config"]
    return config["config"] if "loop_type" in config else config


def decorators(parameter: dict[str, Any]) -> dict[str, Any]:
    """A parameter's decorators by type (`secure`, `allowed`, `metadata`...)."""
    return {d["type"]: d.get("argument") for d in parameter.get("decorators", [])}


def all_bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))
