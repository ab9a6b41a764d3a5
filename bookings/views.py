"""Owner pages: find a shop near you with a real price and a free time."""

from django.shortcuts import render
from django.utils import timezone

from bookings.forms import ShopSearchForm
from shops.selectors import closures_from_annotations, shop_list_near, slots_for_shops


def search(request):
    """The shop search: a district and a day → nearby shops with distance and free times."""
    form = ShopSearchForm(request.GET or None, initial={"date": timezone.localdate(), "sort": "best"})
    results = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        district = data["district"]
        radius = data["max_distance_km"] or 50
        near = shop_list_near(lat=district.lat, lng=district.lng, radius_km=radius, day=data["date"])
        shops = [shop for shop, _distance in near]
        slots = slots_for_shops(shops, data["date"], closures=closures_from_annotations(shops, data["date"]))
        results = []
        for shop, distance in near:
            free = [slot for slot in slots[shop.id] if slot.free > 0]
            if data["open_on_day"] and not free:
                continue
            results.append({"shop": shop, "distance_km": distance, "free_slots": free[:6]})
        if data["sort"] == "rating":
            results.sort(key=lambda r: -(r["shop"].rating or 0))
    return render(request, "bookings/search.html", {"form": form, "results": results})
