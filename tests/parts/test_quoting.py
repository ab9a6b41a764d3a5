"""The quote engine: real variants get only fitting parts, exact quantities and exact totals."""

from decimal import Decimal

import pytest
from django.utils import translation

from parts.models import Fitment, Part, ServiceItemPart, Tier, Variant
from parts.quoting import (
    Gap,
    NothingToQuote,
    PriceBook,
    QuoteLine,
    ServiceNotApplicable,
    Skipped,
    UnknownPackage,
    UnknownServiceItem,
    default_pricebook,
    quote_build,
    resolve,
    resolve_cached,
)
from tests.parts.factories import (
    PackageFactory,
    PackageItemFactory,
    VariantFactory,
    fitting,
    item_needing,
)

pytestmark = pytest.mark.django_db

Rule = ServiceItemPart.Rule
Category = Part.Category


def _real(slug: str) -> Variant:
    return Variant.objects.select_related("model__brand").get(slug=slug)


# --- real variants -----------------------------------------------------------------------------


def test_corolla_minor_service_lists_its_fitting_oil_filter_and_labour_to_the_fen(real_catalogue):
    corolla = _real("toyota-corolla-1-2t-pioneer-2019")  # 8NR-FTS, 4.2 L of 0W-20

    quote = quote_build(variant=corolla, package="minor_standard")

    assert [(line.kind, line.service_item_code, line.sku, line.quantity, line.unit_price, line.amount)
            for line in quote.lines] == [
        ("part", "oil_change", "SHELL-HX8-0W20-SP-1L", Decimal("5.00"), Decimal("85.00"), Decimal("425.00")),
        ("labour", "oil_change", "", Decimal("0.50"), Decimal("120.00"), Decimal("60.00")),
        ("part", "oil_filter", "MANN-HU7019z", Decimal("1.00"), Decimal("58.00"), Decimal("58.00")),
        ("labour", "oil_filter", "", Decimal("0.20"), Decimal("120.00"), Decimal("24.00")),
        ("labour", "inspection", "", Decimal("0.50"), Decimal("120.00"), Decimal("60.00")),
    ]  # fmt: skip
    assert (quote.parts_amount, quote.labour_amount, quote.total_amount) == (
        Decimal("483.00"),
        Decimal("144.00"),
        Decimal("627.00"),
    )
    assert quote.currency == "CNY"
    assert quote.is_complete


@pytest.mark.parametrize(
    "slug",
    [
        "toyota-corolla-1-2t-pioneer-2019",
        "bmw-3-series-2-0t-325li-m-sport-2020",
        "tesla-model-y-ev-performance-2021",
        "wuling-hongguang-mini-ev-ev-170km-2020",
        "li-auto-l7-1-5t-erev-pro-2023",
    ],
)
def test_every_package_of_a_real_variant_quotes_only_parts_that_fit_it(real_catalogue, slug):
    from parts.selectors import package_list_for_variant

    variant = _real(slug)
    fitting_ids = set(Fitment.objects.filter(variant=variant).values_list("part_id", flat=True))

    resolutions = [resolve(variant=variant, package=p) for p in package_list_for_variant(variant=variant)]

    assert resolutions
    for resolution in resolutions:
        assert {part.part_id for part in resolution.parts} <= fitting_ids
        tiers = set(
            Part.objects.filter(id__in=[p.part_id for p in resolution.parts]).values_list("tier", flat=True)
        )
        assert tiers <= {resolution.tier}


def test_oil_quantity_follows_the_variant_capacity_in_whole_packs(real_catalogue):
    corolla_15 = _real("toyota-corolla-1-5l-pioneer-2023")  # 4.0 L: one 4 L can is cheapest
    camry_25 = _real("toyota-camry-2-5l-2-5g-premium-2021")  # 4.5 L

    small = resolve(variant=corolla_15, service_items=["oil_change"], tier=Tier.ECONOMY).parts
    large = resolve(variant=camry_25, service_items=["oil_change"], tier=Tier.ECONOMY).parts

    assert [(p.sku, p.quantity) for p in small] == [("TONGYI-FS-0W20-SP-4L", Decimal("1.00"))]
    assert [(p.sku, p.quantity) for p in large] == [("TONGYI-FS-0W20-SP-1L", Decimal("5.00"))]


def test_bmw_gets_no_generic_oil_and_the_missing_economy_oil_is_reported_not_dropped(real_catalogue):
    bmw = _real("bmw-3-series-2-0t-325li-m-sport-2020")  # B48 needs BMW LL-17FE+

    resolution = resolve(variant=bmw, package="minor_economy")

    assert resolution.gaps == (Gap("oil_change", "engine_oil", "economy"),)
    assert [p.category for p in resolution.parts] == ["oil_filter"]
    quote = resolution.price()
    assert not quote.is_complete
    assert [line.service_item_code for line in quote.lines if line.kind == "labour"] == [
        "oil_change",
        "oil_filter",
        "inspection",
    ]


def test_staggered_tyres_and_a_wiper_pair_resolve_per_axle_and_per_side(real_catalogue):
    bmw = _real("bmw-3-series-2-0t-325li-m-sport-2020")  # 225/45 R18 front, 255/40 R18 rear; 600 + 475 mm

    parts = resolve(
        variant=bmw, service_items=["tyre_change", "wipers", "spark_plugs"], tier="standard"
    ).parts

    assert [(p.category, p.sku, p.quantity) for p in parts] == [
        ("tyre", "HANKOOK-VENTUS-PRIME4-K135-225-45R18-95W", Decimal("2.00")),
        ("tyre", "HANKOOK-VENTUS-S1-EVO3-K127-255-40R18-99Y", Decimal("2.00")),
        ("wiper_blade", "VALEO-FIRST-MC-600", Decimal("1.00")),
        ("wiper_blade", "VALEO-FIRST-MC-475", Decimal("1.00")),
        ("spark_plug", "BOSCH-ZR5TPP33", Decimal("4.00")),
    ]


def test_a_single_wiper_car_gets_one_blade(real_catalogue):
    mini = _real("wuling-hongguang-mini-ev-ev-170km-2020")

    parts = resolve(variant=mini, service_items=["wipers"], tier="standard").parts

    assert [(p.sku, p.quantity) for p in parts] == [("VALEO-FIRST-MC-450", Decimal("1.00"))]


def test_an_engine_job_on_an_electric_car_is_refused(real_catalogue):
    model_y = _real("tesla-model-y-ev-rwd-2021")

    with pytest.raises(ServiceNotApplicable) as refused:
        resolve(variant=model_y, service_items=["cabin_filter", "oil_change"])

    assert refused.value.extra == {"codes": ["oil_change"]}
    assert refused.value.status_code == 400


def test_rear_drum_brakes_skip_the_rear_pads_of_a_brake_package_and_say_so(real_catalogue):
    fit = _real("honda-fit-1-5l-sport-2021")  # ventilated discs at the front, drums at the rear

    resolution = resolve(variant=fit, package="brake_standard")
    quote = resolution.price()

    assert resolution.skipped == (
        Skipped("brake_pads_rear", "Rear brake pad replacement", "更换后刹车片", ("brake_pads_rear",)),
    )
    assert resolution.gaps == ()
    assert resolution.service_item_codes == ("brake_pads_front", "brake_fluid")
    assert [(line.kind, line.sku, line.amount) for line in quote.lines] == [
        ("part", "AKEBONO-BP-F-HONDA-FIT", Decimal("339.00")),
        ("labour", "", Decimal("120.00")),
        ("part", "CASTROL-REACT-DOT4-1L", Decimal("68.00")),
        ("labour", "", Decimal("96.00")),
    ]
    assert quote.total_amount == Decimal("623.00")


def test_asking_for_rear_pads_on_rear_drums_is_refused(real_catalogue):
    fit = _real("honda-fit-1-5l-sport-2021")

    with pytest.raises(ServiceNotApplicable) as refused:
        resolve(variant=fit, service_items=["brake_pads_front", "brake_pads_rear"])

    assert refused.value.extra == {"codes": ["brake_pads_rear"]}


# --- the rules, on made-up parts -----------------------------------------------------------------


def test_a_wanted_part_without_fitment_is_a_gap_and_the_other_lines_stay():
    car = VariantFactory()
    item_needing("oil_filter", Category.OIL_FILTER, hours="0.2")
    item_needing("cabin_filter", Category.CABIN_FILTER, hours="0.3")
    filter_part = fitting(car, category=Category.OIL_FILTER, list_price_amount=Decimal("38.00"))
    fitting(VariantFactory(), category=Category.CABIN_FILTER)  # fits another car only

    quote = quote_build(variant=car, service_items=["oil_filter", "cabin_filter"])

    assert quote.gaps == (Gap("cabin_filter", "cabin_filter", None),)
    assert [(line.kind, line.sku) for line in quote.lines] == [
        ("part", filter_part.sku),
        ("labour", ""),
        ("labour", ""),
    ]
    assert quote.total_amount == Decimal("38.00") + Decimal("24.00") + Decimal("36.00")


def test_a_tier_with_no_fitting_part_is_a_gap_never_another_tier():
    car = VariantFactory()
    item = item_needing("cabin_filter", Category.CABIN_FILTER)
    fitting(car, category=Category.CABIN_FILTER, tier=Tier.STANDARD)
    premium = PackageFactory(tier=Tier.PREMIUM)
    PackageItemFactory(package=premium, service_item=item)

    resolution = resolve(variant=car, package=premium)

    assert resolution.parts == ()
    assert resolution.gaps == (Gap("cabin_filter", "cabin_filter", "premium"),)


def test_an_untiered_part_serves_every_tier():
    car = VariantFactory()
    item_needing("brake_fluid", Category.BRAKE_FLUID, rule=Rule.LITRES, quantity="1")
    generic = fitting(car, category=Category.BRAKE_FLUID, tier="", unit=Part.Unit.LITRE_PACK)

    parts = resolve(variant=car, service_items=["brake_fluid"], tier=Tier.PREMIUM).parts

    assert [(p.sku, p.quantity) for p in parts] == [(generic.sku, Decimal("1.00"))]


def test_the_cheapest_line_wins_among_fitting_parts_of_the_tier():
    car = VariantFactory(oil_capacity_l=Decimal("4.2"))
    item_needing("oil_change", Category.ENGINE_OIL, rule=Rule.OIL_CAPACITY)
    can = {"category": Category.ENGINE_OIL, "unit": Part.Unit.LITRE_PACK, "pack_size": Decimal("4")}
    fitting(car, sku="OIL-4L", list_price_amount=Decimal("199.00"), **can)  # 2 cans: 398.00
    bottle = {"category": Category.ENGINE_OIL, "unit": Part.Unit.LITRE_PACK, "pack_size": Decimal("1")}
    fitting(car, sku="OIL-1L", list_price_amount=Decimal("62.00"), **bottle)  # 5 bottles: 310.00
    fitting(car, sku="OIL-1L-PREMIUM", list_price_amount=Decimal("1.00"), tier=Tier.PREMIUM, **bottle)

    parts = resolve(variant=car, service_items=["oil_change"], tier=Tier.STANDARD).parts

    assert [(p.sku, p.quantity, p.list_price) for p in parts] == [
        ("OIL-1L", Decimal("5.00"), Decimal("62.00"))
    ]


def test_totals_are_exact_sums_of_lines_rounded_half_up_once_per_line():
    car = VariantFactory(cylinders=3)
    item_needing("spark_plugs", Category.SPARK_PLUG, rule=Rule.CYLINDERS, hours="0.35")
    item_needing("oil_filter", Category.OIL_FILTER, hours="0.15")
    plug = fitting(car, category=Category.SPARK_PLUG, list_price_amount=Decimal("33.33"))
    oil_filter = fitting(car, category=Category.OIL_FILTER, list_price_amount=Decimal("41.10"))
    book = PriceBook(
        labour_rate=Decimal("123.45"),
        part_prices={oil_filter.id: Decimal("39.90")},
        fixed_prices={"oil_filter": Decimal("15.00")},
    )

    quote = resolve(variant=car, service_items=["spark_plugs", "oil_filter"]).price(book)

    assert quote.lines == (
        QuoteLine("part", "spark_plugs", plug.sku, plug.name_en, plug.name_zh,
                  Decimal("3.00"), Decimal("33.33"), Decimal("99.99")),
        QuoteLine("labour", "spark_plugs", "", "Spark plugs", "项目 spark_plugs",
                  Decimal("0.35"), Decimal("123.45"), Decimal("43.21")),  # 43.2075 → 43.21
        QuoteLine("part", "oil_filter", oil_filter.sku, oil_filter.name_en, oil_filter.name_zh,
                  Decimal("1.00"), Decimal("39.90"), Decimal("39.90")),
        QuoteLine("labour", "oil_filter", "", "Oil filter", "项目 oil_filter",
                  Decimal("1"), Decimal("15.00"), Decimal("15.00")),
    )  # fmt: skip
    assert quote.parts_amount == Decimal("139.89")
    assert quote.labour_amount == Decimal("58.21")
    assert quote.total_amount == Decimal("198.10")
    assert quote.total_amount == sum(line.amount for line in quote.lines)


def test_the_default_pricebook_is_the_platform_labour_rate(settings):
    settings.DEFAULT_LABOUR_RATE = Decimal("150.00")

    assert default_pricebook() == PriceBook(labour_rate=Decimal("150.00"))


def test_unknown_service_items_are_refused_with_their_codes():
    car = VariantFactory()
    item_needing("oil_filter", Category.OIL_FILTER)

    with translation.override("en"), pytest.raises(UnknownServiceItem) as refused:
        resolve(variant=car, service_items=["oil_filter", "teleport", "flux"])

    assert refused.value.extra == {"codes": ["teleport", "flux"]}
    assert str(refused.value.message) == "Unknown service item: teleport, flux."


def test_an_unknown_package_or_nothing_at_all_is_refused():
    car = VariantFactory()

    with pytest.raises(UnknownPackage):
        resolve(variant=car, package="no_such_package")
    with pytest.raises(NothingToQuote):
        resolve(variant=car)


# --- queries -------------------------------------------------------------------------------------


def _items_with_fitting_parts(car, count: int) -> list[str]:
    categories = [
        Category.OIL_FILTER, Category.AIR_FILTER, Category.CABIN_FILTER, Category.BRAKE_PADS_FRONT,
        Category.BRAKE_PADS_REAR, Category.BATTERY, Category.COOLANT, Category.BRAKE_FLUID,
    ]  # fmt: skip
    codes = []
    for category in categories[:count]:
        item_needing(f"replace_{category}", category)
        fitting(car, category=category)
        codes.append(f"replace_{category}")
    return codes


def test_resolve_makes_the_same_number_of_queries_for_one_line_and_for_many(django_assert_num_queries):
    car = VariantFactory()
    codes = _items_with_fitting_parts(car, 8)

    with django_assert_num_queries(2):
        one = resolve(variant=car, service_items=codes[:1])
    with django_assert_num_queries(2):
        many = resolve(variant=car, service_items=codes)

    assert (len(one.parts), len(many.parts)) == (1, 8)


def test_resolving_a_package_makes_as_many_queries_as_one_item(django_assert_num_queries):
    car = VariantFactory()
    codes = _items_with_fitting_parts(car, 6)
    package = PackageFactory()
    for code in codes:
        PackageItemFactory(package=package, service_item__code=code)

    with django_assert_num_queries(2):
        resolution = resolve(variant=car, package=package)

    assert resolution.service_item_codes == tuple(codes)


def test_pricing_a_resolution_never_touches_the_database(django_assert_num_queries):
    car = VariantFactory()
    codes = _items_with_fitting_parts(car, 3)
    resolution = resolve(variant=car, service_items=codes)

    with django_assert_num_queries(0):
        quotes = [resolution.price(PriceBook(labour_rate=Decimal(rate))) for rate in ("80", "120", "200")]

    assert [q.labour_amount for q in quotes] == [Decimal("120.00"), Decimal("180.00"), Decimal("300.00")]


def test_a_package_keeps_its_order_and_extra_services_come_after_it(django_assert_num_queries):
    car = VariantFactory()
    codes = _items_with_fitting_parts(car, 4)
    package = PackageFactory()
    PackageItemFactory(package=package, service_item__code=codes[2], sort=0)
    PackageItemFactory(package=package, service_item__code=codes[0], sort=1)

    with django_assert_num_queries(2):
        resolution = resolve(variant=car, package=package, service_items=[codes[3], codes[0]])

    assert resolution.service_item_codes == (codes[2], codes[0], codes[3])
    assert [p.service_item_code for p in resolution.parts] == [codes[2], codes[0], codes[3]]


# --- the resolution cache ----------------------------------------------------------------------


def test_a_cached_resolution_is_served_without_queries_until_the_catalogue_changes(
    django_assert_num_queries,
):
    car = VariantFactory()
    item_needing("oil_filter", Category.OIL_FILTER)
    first = fitting(car, category=Category.OIL_FILTER, sku="FILTER-A", list_price_amount=Decimal("38.00"))

    assert [p.sku for p in resolve_cached(variant=car, service_items=["oil_filter"]).parts] == ["FILTER-A"]
    with django_assert_num_queries(0):
        again = resolve_cached(variant=car, service_items=["oil_filter"])
    assert [p.list_price for p in again.parts] == [Decimal("38.00")]

    first.list_price_amount = Decimal("45.00")  # any catalogue write makes the cached entry unreachable
    first.save()
    assert [p.list_price for p in resolve_cached(variant=car, service_items=["oil_filter"]).parts] == [
        Decimal("45.00")
    ]

    admin_delete_fitments(Fitment.objects.filter(part=first))  # deleting in the admin, too
    assert resolve_cached(variant=car, service_items=["oil_filter"]).parts == ()
    cheaper = fitting(car, category=Category.OIL_FILTER, sku="FILTER-B", list_price_amount=Decimal("20.00"))
    assert [p.sku for p in resolve_cached(variant=car, service_items=["oil_filter"]).parts] == [cheaper.sku]


def admin_delete_fitments(queryset):
    from django.contrib import admin
    from django.test import RequestFactory

    from parts.admin import FitmentAdmin

    FitmentAdmin(Fitment, admin.site).delete_queryset(RequestFactory().post("/"), queryset)


def test_a_catalogue_load_makes_every_cached_resolution_unreachable():
    from parts.quoting import catalogue_version
    from parts.services import catalogue_load

    before = catalogue_version()
    catalogue_load()
    assert catalogue_version() != before


def test_a_process_keeps_the_resolutions_it_read_under_the_same_catalogue_version(
    django_assert_num_queries, cache_reads
):
    from parts import quoting

    car = VariantFactory()
    item_needing("oil_filter", Category.OIL_FILTER)
    part = fitting(car, category=Category.OIL_FILTER, sku="FILTER-A", list_price_amount=Decimal("38.00"))
    first = resolve_cached(variant=car, service_items=["oil_filter"])
    cache_reads.clear()
    with django_assert_num_queries(0):
        again = resolve_cached(variant=car, service_items=["oil_filter"])
    assert again is first
    assert cache_reads == [quoting.CATALOGUE_VERSION_KEY]  # one read: the version (no version given)

    part.list_price_amount = Decimal("45.00")  # a new version: the kept resolution is unreachable
    part.save()
    assert [p.list_price for p in resolve_cached(variant=car, service_items=["oil_filter"]).parts] == [
        Decimal("45.00")
    ]
