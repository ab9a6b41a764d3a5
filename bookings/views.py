"""Owner pages: find a shop near you with a real price and a free time."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone

from bookings.forms import ShopSearchForm
from bookings.matching import match
from common.errors import DomainError

SESSION_VARIANT = "parts_variant_id"  # the car the owner picked in the catalogue


def search(request):
    """The shop search: car + package or services + district + day → priced shops with free times."""
    initial = {
        "date": timezone.localdate(),
        "sort": "best",
        "variant": request.session.get(SESSION_VARIANT),
        "district": request.GET.get("district"),  # a shop page links here with its district
    }
    submitted = "date" in request.GET  # the form always sends the day
    form = ShopSearchForm(request.GET if submitted else None, initial=initial)
    result = None
    if submitted and form.is_valid():
        data = form.cleaned_data
        district = data["district"]
        try:
            result = match(
                variant=data["variant"],
                service_items=[item.code for item in data["service_items"]],
                package=data["package"],
                lat=district.lat,
                lng=district.lng,
                day=data["date"],
                sort=data["sort"] or "best",
                max_distance_km=data["max_distance_km"],
                max_price=data["max_price"],
                open_on_day=data["open_on_day"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
    book_query = ""
    if result is not None:
        book_query = urlencode(
            {
                "variant": data["variant"].pk,
                "package": data["package"].code if data["package"] else "",
                "items": ",".join(item.code for item in data["service_items"]),
            }
        )
    return render(request, "bookings/search.html", {"form": form, "result": result, "book_query": book_query})
