"""Quote API: a car, a job, a place and a day → matching shops with prices and free times."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api.serializers import QuoteInputSerializer, QuoteOutputSerializer
from bookings.matching import MatchResult, ShopMatch, match, to_gcj02
from common.api import ErrorSerializer
from common.errors import DomainError
from common.money import money_dict
from parts.quoting import UnknownVariant, resolve_cached
from shops.models import COORDINATE_SYSTEM
from shops.selectors import district_point


class UnknownDistrict(DomainError):
    code = "unknown_district"


def _match_body(m: ShopMatch) -> dict:
    shop, quote = m.shop, m.quote
    return {
        "shop": {
            "id": shop.id,
            "slug": shop.slug,
            "name": shop.name,
            "name_en": shop.name_en,
            "kind": shop.kind,
            "phone": shop.phone,
            "address": shop.address,
            "district": {
                "code": shop.district.code,
                "name_zh": shop.district.name_zh,
                "name_en": shop.district.name_en,
                "city_zh": shop.district.city_zh,
            }
            if shop.district
            else None,
            "location": {"lat": shop.lat, "lng": shop.lng, "system": COORDINATE_SYSTEM},
            "dispatch_priority": shop.dispatch_priority,
        },
        "distance_km": round(m.distance_km, 2),
        "rating": str(shop.rating) if shop.rating is not None else None,
        "score": round(m.score, 4),
        "price": {
            "parts": money_dict(quote.parts_amount, quote.currency),
            "labour": money_dict(quote.labour_amount, quote.currency),
            "total": money_dict(quote.total_amount, quote.currency),
            "is_complete": quote.is_complete,
            "lines": [
                {
                    "kind": line.kind,
                    "service_item_code": line.service_item_code,
                    "sku": line.sku,
                    "name_en": line.name_en,
                    "name_zh": line.name_zh,
                    "quantity": str(line.quantity),
                    "unit_price": money_dict(line.unit_price, quote.currency),
                    "amount": money_dict(line.amount, quote.currency),
                }
                for line in quote.lines
            ],
        },
        "free_slot_count": len(m.slots),
        "next_free_slots": [
            {"starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(), "free": s.free}
            for s in m.next_free_slots
        ],
    }


def _body(result: MatchResult) -> dict:
    resolution = result.resolution
    return {
        "variant": resolution.variant_id,
        "service_items": list(resolution.service_item_codes),
        "tier": resolution.tier,
        "gaps": [
            {"service_item_code": g.service_item_code, "category": g.category, "tier": g.tier}
            for g in resolution.gaps
        ],
        "location": {"lat": result.lat, "lng": result.lng, "system": COORDINATE_SYSTEM},
        "date": result.day.isoformat(),
        "sort": result.sort,
        "count": len(result.matches),
        "results": [_match_body(m) for m in result.matches],
        "dispatch": _match_body(result.dispatch) if result.dispatch else None,
    }


class QuoteApi(APIView):
    """Match shops for a job: every result carries parts + labour = total, distance, rating and the
    day's next free slots; ``dispatch`` is the shop the platform would send an "any nearby shop"
    booking to. Anyone may quote."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=QuoteInputSerializer,
        responses={200: QuoteOutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request):
        data = QuoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        try:
            resolution = resolve_cached(
                variant_id=params["variant"],
                service_items=params["service_items"],
                package=params.get("package"),
                tier=params.get("tier"),
            )
        except UnknownVariant:
            raise ValidationError({"variant": [_("Unknown car variant.")]}) from None
        if "district" in params:
            point = district_point(params.pop("district"))
            if point is None:
                raise UnknownDistrict(_("Unknown district."))
            lat, lng = point
        else:
            location = params.pop("location")
            lat, lng = to_gcj02(location["lat"], location["lng"], location["system"])
        result = match(
            resolution=resolution,
            lat=lat,
            lng=lng,
            day=params["date"],
            sort=params["sort"],
            max_distance_km=params.get("max_distance_km"),
            max_price=params.get("max_price"),
            open_on_day=params["open_on_day"],
            limit=params["limit"],
        )
        # The body is built JSON-ready: QuoteOutputSerializer documents it (and a test checks it
        # validates), but running it over 50 priced shops would cost more than the match itself.
        return Response(_body(result))
