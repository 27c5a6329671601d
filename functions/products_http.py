"""The tenant's product catalogue and licence counts."""

from __future__ import annotations

import azure.functions as func

from functions import _deps, unknown_route_http
from functions._deps import models
from functions._http import endpoint, json_response, parse_body, principal

bp = func.Blueprint()


@bp.route(route="products", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def list_products(req: func.HttpRequest) -> func.HttpResponse:
    """Every product; admins (and a product's approvers, for it) also see licence counts,
    approvers and what each product can fulfil."""
    who = principal(req)
    service = _deps.service()
    items = service.list_products(who)
    admin = service.is_admin(who)
    views = [p.to_view(admin=admin or p.product.approved_by(who.email)) for p in items]
    return json_response({"items": views})


@bp.route(route="products/{productId}", methods=["PUT"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def put_product(req: func.HttpRequest) -> func.HttpResponse:
    """Create or replace a product (admins)."""
    product_id = req.route_params["productId"]
    unknown_route_http.refuse_if_owned_elsewhere(req.method, f"products/{product_id}")
    who = principal(req)
    body = parse_body(req, models.ProductPut)
    product = _deps.service().put_product(who, product_id, body)
    return json_response(product.to_view(admin=True))
