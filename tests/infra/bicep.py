"""Reading infra/*.bicep with pycep (the parser checkov uses), for the tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MODULES = INFRA / "app"


@cache
def parse(path: Path) -> dict[str, Any]:
    """The pycep JSON of one Bicep file (parsed once per test run)."""
    return dict(BicepParser().parse(file_path=path))


def module(name: str) -> dict[str, Any]:
    """infra/app/<name>.bicep, parsed."""
    return parse(MODULES / f"{name}.bicep")


def main() -> dict[str, Any]:
    """infra/main.bicep, parsed."""
    return parse(INFRA / "main.bicep")


def resources(template: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    """Every declared (not `existing`) resource of one type, as pycep describes it."""
    return [
        r
        for r in template.get("resources", {}).values()
        if r["type"] == type_ and not r["existing"]
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
