"""Catalogue pages: pick a car (brand → model → variant, search, VIN), its packages and parts.

The cascade reacts without a full reload through htmx (the partial is returned to an htmx
request); every link and form also works as a plain page load without JavaScript.
"""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from parts import selectors
from parts.forms import PartFilterForm, QuoteForm
from parts.models import ServiceItem, Variant, applies
from parts.quoting import resolve

SESSION_VARIANT = "parts_variant_id"

FAMILY_LABELS = {
    "minor": _("Minor service"),
    "major": _("Major service"),
    "brake": _("Brake service"),
    "seasonal": _("Seasonal care"),
    "ev_care": _("EV care"),
}


def _partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _my_variant(request) -> Variant | None:
    pk = request.session.get(SESSION_VARIANT)
    if not pk:
        return None
    try:
        return selectors.variant_get(pk=int(pk))
    except (DomainError, ValueError):
        request.session.pop(SESSION_VARIANT, None)
        return None


def picker(request):
    """The car picker: all brands, a brand's models, a model's variants, or search results."""
    q = request.GET.get("q", "").strip()[:40]
    context = {"q": q, "my_variant": _my_variant(request)}
    try:
        if request.GET.get("model"):
            model = selectors.model_get(slug=request.GET["model"])
            context.update(step="variants", brand=model.brand, model=model)
            context["variants"] = selectors.variant_list(model=model)
        elif request.GET.get("brand"):
            brand = selectors.brand_get(slug=request.GET["brand"])
            context.update(step="models", brand=brand, models=selectors.model_list(brand=brand))
        elif q:
            context.update(
                step="search", brands=selectors.brand_list(q=q), models=selectors.model_list(q=q)[:30]
            )
        else:
            context.update(step="brands", brands=selectors.brand_list())
    except DomainError as exc:
        context.update(step="brands", brands=selectors.brand_list(), error=exc.message)
    template = "parts/_cascade.html" if _partial(request) else "parts/picker.html"
    return render(
        request, template, context, status=404 if "error" in context and not _partial(request) else 200
    )


def vin(request):
    """Decode a VIN: maker, model year and the variants it may be; a clear error when it is not valid."""
    raw = request.GET.get("vin", "")
    context = {"vin": raw}
    status = 200
    if raw.strip():
        try:
            context["lookup"] = selectors.vin_lookup(vin=raw)
        except DomainError as exc:
            context["vin_error"] = exc.message
            status = 400
    if _partial(request):
        context["in_picker"] = True
        if "lookup" in context:
            context["cascade"] = _cascade_for(context["lookup"])
        return render(request, "parts/_vin_result.html", context)  # htmx swaps 200 only
    return render(request, "parts/vin.html", context, status=status)


def _cascade_for(lookup: selectors.VinLookup) -> dict | None:
    """Pre-fill the picker from a VIN: the one model its variants belong to, or its one brand."""
    models = {variant.model_id: variant.model for variant in lookup.variants}
    if len(models) == 1:
        model = next(iter(models.values()))
        variants = selectors.variant_list(model=model)
        return {"step": "variants", "brand": model.brand, "model": model, "variants": variants}
    if len(lookup.brands) == 1:
        brand = lookup.brands[0]
        return {"step": "models", "brand": brand, "model": None, "models": selectors.model_list(brand=brand)}
    return None


def variant_detail(request, pk: int):
    """One car: its specs, its maintenance packages side by side (priced, with gaps), a quote builder."""
    variant = selectors.variant_get(pk=pk)
    request.session[SESSION_VARIANT] = variant.pk
    families: dict[str, list] = {}
    for resolved in selectors.package_quotes_for_variant(variant=variant):
        families.setdefault(resolved.package.family, []).append(resolved)
    items = [
        item for item in ServiceItem.objects.order_by("sort", "code") if applies(item.applies_to, variant)
    ]
    context = {
        "variant": variant,
        "families": [(FAMILY_LABELS.get(family, family), packages) for family, packages in families.items()],
        "form": QuoteForm(service_items=items),
    }
    return render(request, "parts/variant_detail.html", context)


def variant_quote(request, pk: int):
    """The instant quote for chosen service items (htmx partial, or a page without JavaScript)."""
    variant = selectors.variant_get(pk=pk)
    items = [
        item for item in ServiceItem.objects.order_by("sort", "code") if applies(item.applies_to, variant)
    ]
    form = QuoteForm(request.GET or None, service_items=items)
    context = {"variant": variant, "form": form}
    status = 200
    if form.is_valid():
        try:
            resolution = resolve(
                variant=variant,
                service_items=form.cleaned_data["items"],
                tier=form.cleaned_data["tier"] or None,
            )
            context["resolution"] = resolution
            context["quote"] = resolution.price()
        except DomainError as exc:
            context["quote_error"] = exc.message
            status = 400
    elif request.GET:
        status = 400
    if _partial(request):
        return render(request, "parts/_quote.html", context)
    return render(request, "parts/quote.html", context, status=status)


def part_browser(request):
    """Parts by category and search; with a chosen car, each part says whether it fits."""
    form = PartFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {"q": "", "category": "", "fits": False}
    variant = _my_variant(request)
    if request.GET.get("variant"):
        try:
            variant = selectors.variant_get(pk=int(request.GET["variant"]))
            request.session[SESSION_VARIANT] = variant.pk
        except (DomainError, ValueError):
            variant = None
    parts = selectors.part_list(
        category=filters["category"], q=filters["q"], variant=variant, only_fitting=bool(filters["fits"])
    )
    page = Paginator(parts, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "variant": variant, "query": query.urlencode()}
    return render(request, "parts/part_list.html", context)
