"""The component schemas of /api/openapi.json: the pydantic models of shared/domain, the
hand-written views of functions/openapi_views.py and one problem schema per `code`.

Imported on the first request for the document only (it imports pydantic).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from functions import openapi_views as views
from functions.unknown_route_http import MethodNotAllowed
from shared.domain import bulk, commands, models, reminders, terms
from shared.domain.errors import AppError
from shared.domain.microsoft365 import Microsoft365Connection

# Request bodies, as the app validates them.
INPUTS: tuple[type[BaseModel], ...] = (
    models.ProductPut,
    models.RequestProcessPut,
    models.RequestCreate,
    commands.ApproveCommand,
    commands.DenyCommand,
    models.DevTokenRequest,
    bulk.BulkDecision,
    reminders.NotificationSettingsPut,
    terms.ExtendCommand,
)
# Answers that are a model's `to_wire()` / `model_dump(by_alias=True)`.
OUTPUTS: tuple[type[BaseModel], ...] = (
    models.LicenseRequest,
    models.RequestSummary,
    models.RequestProcess,
    reminders.NotificationSettings,
    Microsoft365Connection,
)
# What the after-validators of shared/domain/fields.py accept, as JSON Schema formats.
_FORMATS = {"_normalise_email": "email", "_absolute_http_url": "uri"}
PROBLEM_TYPE = "urn:license-requests:problem:"


class _WireSchema(GenerateJsonSchema):
    """pydantic's generator, for what the wire carries."""

    def ser_schema(
        self,
        schema: core_schema.SerSchema
        | core_schema.IncExSeqSerSchema
        | core_schema.IncExDictSerSchema,
    ) -> dict[str, Any] | None:
        # The models' wrap serializers only drop members that are None (`failure`,
        # `fulfilment`): describe the fields, not their `dict[str, object]` return type.
        returned: Any = schema.get("return_schema")
        if schema["type"] == "function-wrap" and isinstance(returned, dict):
            if returned.get("type") == "dict":
                return None
        return super().ser_schema(schema)

    def function_after_schema(
        self, schema: core_schema.AfterValidatorFunctionSchema
    ) -> dict[str, Any]:
        json_schema = super().function_after_schema(schema)
        function = schema["function"].get("function")
        known = _FORMATS.get(getattr(function, "__name__", ""))
        return {**json_schema, "format": known} if known else json_schema


def _untitled(schema: Any) -> Any:
    """Without pydantic's per-member titles ("Productid"): the member names say it."""
    if isinstance(schema, dict):
        out = {k: _untitled(v) for k, v in schema.items()}
        if isinstance(out.get("properties"), dict):
            out["properties"] = {
                name: {k: v for k, v in member.items() if k != "title"}
                if isinstance(member, dict)
                else member
                for name, member in out["properties"].items()
            }
        return out
    if isinstance(schema, list):
        return [_untitled(item) for item in schema]
    return schema


def model_schemas() -> dict[str, Any]:
    """The input models (validation) and output models (serialization), by name."""
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in INPUTS]
    pairs += [(m, "serialization") for m in OUTPUTS]
    _, definitions = models_json_schema(
        pairs,
        by_alias=True,
        ref_template="#/components/schemas/{model}",
        schema_generator=_WireSchema,
    )
    found: dict[str, Any] = _untitled(definitions.get("$defs", {}))
    return found


def problem_codes() -> dict[str, tuple[int, str]]:
    """Every stable `code`: its status and title (shared/domain/errors.py)."""
    found: dict[str, tuple[int, str]] = {}
    pending: list[type[AppError]] = [AppError, MethodNotAllowed]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, (cls.status, cls.title))
        pending.extend(cls.__subclasses__())
    return found


def problem_schema_name(code: str) -> str:
    """`unknown_user` -> `UnknownUserProblem`."""
    return "".join(part.capitalize() for part in code.split("_")) + "Problem"


def problem_schemas(codes: list[str]) -> dict[str, Any]:
    """The RFC 9457 base schema and one schema per code."""
    known = problem_codes()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise LookupError(f"problem codes not in shared/domain/errors.py: {', '.join(unknown)}")
    out: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details with a stable machine-readable `code`.",
            "required": ["type", "title", "status", "detail", "code"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string"},
                "code": {"type": "string"},
            },
        }
    }
    for code in codes:
        status, title = known[code]
        members: dict[str, Any] = {
            "type": {"const": PROBLEM_TYPE + code},
            "status": {"const": status},
            "code": {"const": code},
        }
        out[problem_schema_name(code)] = {
            "title": title,
            "allOf": [
                views.ref("Problem"),
                {
                    "type": "object",
                    "properties": {**members, **views.PROBLEM_MEMBERS.get(code, {})},
                },
            ],
        }
    return out


def component_schemas(codes: list[str]) -> dict[str, Any]:
    """Every component schema the document refers to."""
    found = model_schemas()
    clash = sorted(set(found) & set(views.SCHEMAS))
    if clash:
        raise LookupError(f"hand-written schemas shadow models: {', '.join(clash)}")
    return dict(sorted({**found, **views.SCHEMAS, **problem_schemas(codes)}.items()))
