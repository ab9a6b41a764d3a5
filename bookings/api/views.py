"""Quote API: a car, a job, a place and a day → matching shops with prices and free times."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from bookings.api.serializers import QuoteInputSerializer, QuoteOutputSerializer, quote_input_fast
from bookings.matching import MatchResult, ShopMatch, match, to_gcj02
from common.api import ErrorSerializer, FastJSONRenderer
from common.errors import DomainError
from common.money import money_dict
from parts.quoting import Quote, QuoteLine, UnknownVariant
from shops.models import COORDINATE_SYSTEM
from shops.selectors import Slot, district_point


class UnknownDistrict(DomainError):
    code = "unknown_district"


def _line_body(line: QuoteLine, currency: str) -> dict:
    return {
        "kind": line.kind,
        "service_item_code": line.service_item_code,
        "sku": line.sku,
        "name_en": line.name_en,
        "name_zh": line.name_zh,
        "quantity": str(line.quantity),
        "unit_price": money_dict(line.unit_price, currency),
        "amount": money_dict(line.amount, currency),
    }


class _BodyBuilder:
    """Builds the documented response (QuoteOutputSerializer) as plain dicts, JSON-ready.

    Shops with the same prices share one ``Quote`` and most lines repeat from shop to shop (the
    parts at list price), so each distinct quote's ``price`` and each distinct line is built once
    per response; the JSON is the same as building them every time.
    """

    def __init__(self):
        self._prices: dict[int, dict] = {}  # id(quote) -> its "price" object
        self._lines: dict[int, dict] = {}  # id(line) -> its body (the kept quotes keep their lines)
        self._quotes: list[Quote] = []  # keeps every quote alive while its id is a key
        self._slots: dict[int, dict] = {}  # id(slot) -> its body
        self._kept: list[Slot] = []  # keeps every slot alive while its id is a key

    def price(self, quote: Quote) -> dict:
        found = self._prices.get(id(quote))
        if found is None:
            currency = quote.currency
            lines = []
            for line in quote.lines:  # quotes share their common lines (Tariff.quote): by identity
                body = self._lines.get(id(line))
                if body is None:
                    body = self._lines[id(line)] = _line_body(line, currency)
                lines.append(body)
            found = self._prices[id(quote)] = {
                "parts": money_dict(quote.parts_amount, currency),
                "labour": money_dict(quote.labour_amount, currency),
                "total": money_dict(quote.total_amount, currency),
                "is_complete": quote.is_complete,
                "lines": lines,
            }
            self._quotes.append(quote)
        return found

    def slot(self, slot: Slot) -> dict:
        # shops with the same hours and nothing booked share their Slot objects (DaySlots)
        found = self._slots.get(id(slot))
        if found is None:
            found = self._slots[id(slot)] = {
                "starts_at": slot.starts_at.isoformat(),
                "ends_at": slot.ends_at.isoformat(),
                "free": slot.free,
            }
            self._kept.append(slot)
        return found

    def match(self, m: ShopMatch) -> dict:
        shop, rating = m.candidate.display()  # the row's values: no Shop instance is built
        return {
            "shop": shop,
            "distance_km": round(m.distance_km, 2),
            "rating": rating,
            "score": round(m.score, 4),
            "price": self.price(m.quote),
            "free_slot_count": m.free_slot_count,
            "next_free_slots": [self.slot(s) for s in m.next_free_slots],
        }


def _body(result: MatchResult) -> dict:
    resolution = result.resolution
    builder = _BodyBuilder()
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
        "results": [builder.match(m) for m in result.matches],
        "dispatch": builder.match(result.dispatch) if result.dispatch else None,
    }


class QuoteApi(APIView):
    """Match shops for a job: every result carries parts + labour = total, distance, rating and the
    day's next free slots; ``dispatch`` is the shop the platform would send an "any nearby shop"
    booking to. Anyone may quote."""

    permission_classes = [AllowAny]
    # a quote's body is ~40 KB: orjson encodes it (the same JSON), the other renderers as everywhere
    renderer_classes = [
        FastJSONRenderer,
        *(r for r in api_settings.DEFAULT_RENDERER_CLASSES if r is not JSONRenderer),
    ]

    @extend_schema(
        request=QuoteInputSerializer,
        responses={200: QuoteOutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request):
        params = quote_input_fast(request.data)  # the serializer's data for a plainly valid body
        if params is None:
            data = QuoteInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            params = dict(data.validated_data)

        if "district" in params:
            point = district_point(params.pop("district"))
            if point is None:
                raise UnknownDistrict(_("Unknown district."))
            lat, lng = point
        else:
            location = params.pop("location")
            lat, lng = to_gcj02(location["lat"], location["lng"], location["system"])
        try:
            result = match(
                variant_id=params["variant"],
                service_items=params["service_items"],
                package=params.get("package"),
                tier=params.get("tier"),
                lat=lat,
                lng=lng,
                day=params["date"],
                sort=params["sort"],
                max_distance_km=params.get("max_distance_km"),
                max_price=params.get("max_price"),
                open_on_day=params["open_on_day"],
                limit=params["limit"],
            )
        except UnknownVariant:
            raise ValidationError({"variant": [_("Unknown car variant.")]}) from None
        # The body is built JSON-ready: QuoteOutputSerializer documents it (and a test checks it
        # validates), but running it over 50 priced shops would cost more than the match itself.
        return Response(_body(result))
