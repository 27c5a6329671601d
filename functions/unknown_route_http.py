"""Every other path and method under /api: problem+json instead of the host's empty 404.

One catch-all HTTP function (`{*rest}`, every method) answers what no other route takes:
404 `not_found` for a path no endpoint has, 405 `method_not_allowed` with `Allow` for an
endpoint's path with another method. It must never shadow a real route:

- The Azure Functions host maps the routes in the order of its function list into one
  route collection and tries them in that order (a literal does not beat a parameter
  there); that list goes by function name (Azure/azure-functions-host#9876, the `z_`
  workaround of MicrosoftDocs/azure-docs#11755). So this function is registered last and
  its name sorts after every other one: `zz_unknown_route`.
- Hosts that order routes as ASP.NET does (the dev host; azure-webjobs-sdk-extensions#842)
  put a template that is only a catch-all after every template with a literal segment.

tests/integration/test_function_metadata.py holds both: the name sorts last and no two
other routes overlap for one method, so neither ordering can change which function runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import azure.functions as func

from functions import _routes
from functions._http import endpoint, problem_response, redirect_response
from shared.domain.errors import AppError, NotFound

if TYPE_CHECKING:
    from functions.route_table import RouteTable

bp = func.Blueprint()

# Every method (None), so a wrong method on a known path reaches it too.
CATCH_ALL_ROUTE = "{*rest}"
FUNCTION_NAME = "zz_unknown_route"
CONSOLE_PATH = "/api/console/"


class MethodNotAllowed(AppError):
    """The path is an endpoint's, the method is not one it answers."""

    status: ClassVar[int] = 405
    code: ClassVar[str] = "method_not_allowed"
    title: ClassVar[str] = "Method not allowed"


def answer(method: str, path: str, table: RouteTable) -> AppError:
    """The problem for `method` on `path` (relative to the route prefix)."""
    allowed = table.allowed_methods(path)
    if not allowed:
        return NotFound("There is no endpoint at this path.")
    methods = ", ".join(sorted(allowed))
    error = MethodNotAllowed(
        f"This endpoint does not answer {method.upper()}; it answers {methods}.",
        allowed=sorted(allowed),
    )
    error.headers["Allow"] = methods
    return error


def refuse_if_owned_elsewhere(method: str, path: str) -> None:
    """MethodNotAllowed when a more specific route owns `path` and does not answer
    `method`: the hosts route `PUT products/sync` to `products/{productId}`, but the path
    is the `products/sync` endpoint's (OpenAPI matches concrete paths first)."""
    table = _routes.table()
    allowed = table.allowed_methods(path)
    if allowed and "*" not in allowed and method.upper() not in allowed:
        raise answer(method, path, table)


@bp.function_name(FUNCTION_NAME)
@bp.route(route=CATCH_ALL_ROUTE, methods=None, auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def unknown_route(req: func.HttpRequest) -> func.HttpResponse:
    """404 or 405 as problem+json, from the app's route table; `/api` itself (the first
    address `make run` prints) leads a browser to the console."""
    rest = req.route_params.get("rest") or ""
    if not rest.strip("/") and req.method.upper() in ("GET", "HEAD"):
        return redirect_response(CONSOLE_PATH)
    return problem_response(answer(req.method, rest, _routes.table()))
