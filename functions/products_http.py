"""The tenant's product catalogue and licence counts."""

from __future__ import annotations

import azure.functions as func

from functions import _deps
from functions._deps import models
from functions._http import endpoint, json_response, parse_body, principal

bp = func.Blueprint()


@bp.route(route="products", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def list_products(req: func.HttpRequest) -> func.HttpResponse:
    """Every product; admins also see licence counts and what each product can fulfil."""
    who = principal(req)
    items = _deps.service().list_products(who)
    return json_response({"items": [p.to_view(admin=who.is_global_admin) for p in items]})


@bp.route(route="products/{productId}", methods=["PUT"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def put_product(req: func.HttpRequest) -> func.HttpResponse:
    """Create or replace a product (admins)."""
    who = principal(req)
    body = parse_body(req, models.ProductPut)
    product = _deps.service().put_product(who, req.route_params["productId"], body)
    return json_response(product.to_view(admin=True))
