"""The emulator-only control API under `/_emulator` (no authentication; loopback only).

GET    /_emulator/health
GET    /_emulator/token?tenant=contoso[&format=json]      a Graph token with every role
POST   /_emulator/reset                {"seed": "demo"|"none"}
GET    /_emulator/apps ; PUT /_emulator/apps/{appId}   {"secrets", "roles", "redirectUris"}
GET    /_emulator/tenants
GET    /_emulator/tenants/{t}           the tenant as a document (seed format)
PUT    /_emulator/tenants/{t}           replace it with a document
DELETE /_emulator/tenants/{t}
PUT    /_emulator/tenants/{t}/consents/{appId}   {"roles": [...]} (optional)
DELETE /_emulator/tenants/{t}/consents/{appId}
PATCH  /_emulator/tenants/{t}/skus/{skuId}       {"prepaidUnits": {...}, "capabilityStatus": ...}
GET    /_emulator/tenants/{t}/users/{idOrUpn}/licenses
GET    /_emulator/faults ; POST (add) ; DELETE (clear)
GET    /_emulator/stats ; DELETE (reset the counts)
"""

from __future__ import annotations

from typing import Any

from .licensing import assigned_licenses
from .model import Tenant
from .protocol import Request, Response, json_response
from .state import ALL_ROLES, DEFAULT_ROLES, EmulatorState
from .tokens import TokenService

JSON = {"Content-Type": "application/json"}


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json(status: int, payload: Any) -> Response:
    return json_response(status, payload, JSON)


def _body(req: Request) -> dict[str, Any]:
    if not req.body.strip():
        return {}
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        raise ControlError(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


class ControlApi:
    def __init__(self, state: EmulatorState, tokens: TokenService) -> None:
        self.state = state
        self.tokens = tokens

    def handle(self, req: Request) -> Response:
        segs = req.segments()[1:]
        try:
            return self._route(req, segs)
        except ControlError as exc:
            return _json(exc.status, {"error": str(exc)})
        except (ValueError, KeyError, TypeError) as exc:
            return _json(400, {"error": f"invalid request: {exc}"})

    def _route(self, req: Request, segs: list[str]) -> Response:
        m = req.method
        head = segs[0] if segs else ""
        if (m, segs) == ("GET", ["health"]):
            return _json(200, {"status": "ok"})
        if (m, segs) == ("GET", ["token"]):
            return self.token(req)
        if (m, segs) == ("POST", ["reset"]):
            self.state.reset(str(_body(req).get("seed", "demo")))
            return _json(200, {"status": "reset"})
        if head == "tenants":
            return self.tenants(req, segs[1:])
        if (m, segs[:1], len(segs)) == ("GET", ["apps"], 1):
            with self.state.lock:
                return _json(200, {"apps": [a.to_doc() for a in self.state.apps.values()]})
        if (m, segs[:1], len(segs)) == ("PUT", ["apps"], 2):
            app = self.state.register_app({**_body(req), "appId": segs[1]})
            return _json(200, app.to_doc())
        if head == "faults" and len(segs) == 1:
            return self.faults(req)
        if head == "stats" and len(segs) == 1:
            if m == "DELETE":
                with self.state.lock:
                    self.state.stats.clear()
                return _json(200, {"status": "reset"})
            if m == "GET":
                return _json(200, self.state.stats_doc())
        raise ControlError(404, f"no control endpoint {m} /_emulator/{'/'.join(segs)}")

    def token(self, req: Request) -> Response:
        name = req.query.get("tenant") or self.state.default_tenant
        with self.state.lock:
            tenant = self.state.find_tenant(name)
            if tenant is None:
                raise ControlError(404, f"no tenant {name!r}")
            app_id = req.query.get("clientId", "emulator-admin")
            token = self.tokens.mint(tenant.key, app_id, list(ALL_ROLES), "Graph emulator", "1")
        if req.query.get("format") == "json":
            return _json(200, {"access_token": token, "token_type": "Bearer", "tenant": tenant.key})
        return Response(200, {"Content-Type": "text/plain; charset=utf-8"}, token.encode())

    def tenants(self, req: Request, segs: list[str]) -> Response:
        m = req.method
        if not segs:
            if m == "GET":
                return _json(200, {"tenants": sorted(self.state.tenants)})
            raise ControlError(405, "use GET")
        name, rest = segs[0], segs[1:]
        if not rest:
            if m == "PUT":
                doc = {**_body(req), "tenant": name}
                tenant = self.state.put_tenant(doc, name)
                return _json(200, tenant.to_doc())
            with self.state.lock:
                tenant = self._tenant(name)
                if m == "GET":
                    return _json(200, tenant.to_doc())
                if m == "DELETE":
                    del self.state.tenants[tenant.key]
                    self.state.touch()
                    return _json(200, {"status": "deleted"})
            raise ControlError(405, "use GET, PUT or DELETE")
        with self.state.lock:
            tenant = self._tenant(name)
            if rest[0] == "consents" and len(rest) == 2:
                app_id = rest[1].lower()
                if m == "PUT":
                    app = self.state.app(app_id)
                    roles = _body(req).get("roles") or (app.roles if app else list(DEFAULT_ROLES))
                    tenant.consents[app_id] = [str(r) for r in roles]
                elif m == "DELETE":
                    tenant.consents.pop(app_id, None)
                else:
                    raise ControlError(405, "use PUT or DELETE")
                self.state.touch()
                return _json(200, {"consents": tenant.consents})
            if rest[0] == "skus" and len(rest) == 2 and m == "PATCH":
                sku = tenant.skus.get(rest[1].lower())
                if sku is None:
                    raise ControlError(404, f"no SKU {rest[1]} in {tenant.key}")
                body = _body(req)
                sku.prepaid.update({k: int(v) for k, v in (body.get("prepaidUnits") or {}).items()})
                sku.capability_status = str(body.get("capabilityStatus", sku.capability_status))
                sku.applies_to = str(body.get("appliesTo", sku.applies_to))
                self.state.touch()
                return _json(200, sku.to_doc())
            if rest[0] == "users" and len(rest) == 3 and rest[2] == "licenses" and m == "GET":
                user = tenant.find_user(rest[1])
                if user is None:
                    raise ControlError(404, f"no user {rest[1]} in {tenant.key}")
                return _json(
                    200,
                    {
                        "id": user.id,
                        "userPrincipalName": user.user_principal_name,
                        "usageLocation": user.props.get("usageLocation"),
                        "accountEnabled": user.props.get("accountEnabled"),
                        "assignedLicenses": assigned_licenses(user),
                        "licenseAssignmentStates": [a.state_doc() for a in user.assignments],
                    },
                )
        raise ControlError(404, f"no control endpoint {m} /_emulator/tenants/{'/'.join(segs)}")

    def _tenant(self, name: str) -> Tenant:
        tenant = self.state.find_tenant(name)
        if tenant is None:
            raise ControlError(404, f"no tenant {name!r}")
        return tenant

    def faults(self, req: Request) -> Response:
        if req.method == "GET":
            with self.state.lock:
                return _json(200, {"faults": [f.to_doc() for f in self.state.faults]})
        if req.method == "DELETE":
            with self.state.lock:
                self.state.faults.clear()
            return _json(200, {"status": "cleared"})
        if req.method == "POST":
            body = _body(req)
            count = body.get("count", 1)
            fault = self.state.add_fault(
                str(body.get("kind", "throttle")),
                None if count is None else int(count),
                int(body.get("retryAfter", 1)),
                body.get("tenant"),
                str(body.get("target", "graph")),
            )
            return _json(201, fault.to_doc())
        raise ControlError(405, "use GET, POST or DELETE")
