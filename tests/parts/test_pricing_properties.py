"""Pricing is exact decimal arithmetic: each line is quantity × unit price to the fen, totals are sums."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from parts.quoting import PriceBook, Resolution, ResolvedLabour, ResolvedPart, Tariff

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("40"), places=2)
hours = st.decimals(min_value=Decimal("0"), max_value=Decimal("12"), places=2)


@st.composite
def resolutions(draw):
    codes = draw(
        st.lists(st.sampled_from(["oil_change", "brakes", "tyres", "wipers"]), min_size=1, unique=True)
    )
    parts = tuple(
        ResolvedPart(i, f"SKU-{i}", "Part", "配件", "oil_filter", draw(quantities), draw(prices), code)
        for i, code in enumerate(codes)
    )
    labour = tuple(ResolvedLabour(code, "Job", "项目", draw(hours)) for code in codes)
    return Resolution(variant_id=1, service_item_codes=tuple(codes), parts=parts, labour=labour, gaps=())


@given(resolution=resolutions(), rate=prices, override=st.one_of(st.none(), prices))
def test_totals_are_the_exact_sums_of_lines_rounded_half_up(resolution, rate, override):
    book = PriceBook(labour_rate=rate, part_prices={0: override} if override is not None else {})

    quote = resolution.price(book)

    for line in quote.lines:
        assert line.amount == (line.quantity * line.unit_price).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    assert quote.parts_amount == sum(
        (line.amount for line in quote.lines if line.kind == "part"), Decimal("0")
    )
    assert quote.labour_amount == sum(
        (line.amount for line in quote.lines if line.kind == "labour"), Decimal("0")
    )
    assert quote.total_amount == quote.parts_amount + quote.labour_amount
    assert quote.total_amount.as_tuple().exponent == -2
    if override is not None:
        assert quote.lines[0].unit_price == override


CODES = ["oil_change", "brakes", "tyres", "wipers", "wash"]
unit_prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.999"), places=3)


@st.composite
def jobs(draw):
    """A resolution like ``resolve`` makes: codes in order, several parts per code (a part id may
    repeat across codes), labour for most codes, and prices given to more places than the fen."""
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=5, unique=True))
    parts = []
    for code in codes:
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            part_id = draw(st.integers(min_value=1, max_value=8))
            parts.append(
                ResolvedPart(
                    part_id, f"SKU-{part_id}", "Part", "配件", "x", draw(quantities), draw(unit_prices), code
                )
            )
    labour = tuple(
        ResolvedLabour(code, "Job", "项目", draw(hours))
        for code in codes
        if draw(st.booleans()) or code == codes[0]
    )
    return Resolution(
        variant_id=1, service_item_codes=tuple(codes), parts=tuple(parts), labour=labour, gaps=()
    )


price_books = st.builds(
    PriceBook,
    labour_rate=unit_prices,
    part_prices=st.dictionaries(st.integers(min_value=1, max_value=10), unit_prices, max_size=5),
    fixed_prices=st.dictionaries(st.sampled_from(CODES), unit_prices, max_size=3),
)


#: Most shops: an hourly rate, no price of their own (the tariff keeps their totals per rate).
plain_books = st.builds(PriceBook, labour_rate=unit_prices)


@given(resolution=jobs(), books=st.lists(st.one_of(price_books, plain_books), min_size=1, max_size=6))
def test_the_tariff_totals_are_exactly_those_of_the_full_quote(resolution, books):
    tariff = Tariff(resolution)  # one tariff for many shops, as matching uses it

    for book in books + books:  # a rate seen before comes from the tariff's own sums
        quote = resolution.price(book)
        totals = tariff.totals(book)

        assert totals == (quote.parts_amount, quote.labour_amount, quote.total_amount)
        assert [str(amount) for amount in totals] == [
            str(quote.parts_amount),
            str(quote.labour_amount),
            str(quote.total_amount),
        ]


@given(resolution=jobs(), books=st.lists(price_books, min_size=1, max_size=6))
def test_the_tariff_quote_is_exactly_the_full_quote(resolution, books):
    tariff = Tariff(resolution)  # its shared lines (list prices, labour at a rate seen) reused

    for book in books + books[:1] + [PriceBook(labour_rate=books[0].labour_rate)]:
        expected = resolution.price(book)
        quote = tariff.quote(book)

        assert quote == expected
        assert [[str(value) for value in vars(line).values()] for line in quote.lines] == [
            [str(value) for value in vars(line).values()] for line in expected.lines
        ]
        assert [str(quote.parts_amount), str(quote.labour_amount), str(quote.total_amount)] == [
            str(expected.parts_amount),
            str(expected.labour_amount),
            str(expected.total_amount),
        ]


def test_a_resolution_keeps_one_tariff_and_its_shared_lines():
    resolution = Resolution(
        variant_id=1,
        service_item_codes=("oil_change",),
        parts=(
            ResolvedPart(1, "SKU-1", "Part", "配件", "x", Decimal("2.00"), Decimal("30.00"), "oil_change"),
        ),
        labour=(ResolvedLabour("oil_change", "Job", "项目", Decimal("0.50")),),
        gaps=(),
    )
    book = PriceBook(labour_rate=Decimal("100.00"))

    first = Tariff.of(resolution).quote(book)

    assert Tariff.of(resolution) is Tariff.of(resolution)
    assert Tariff.of(resolution).quote(book).lines[0] is first.lines[0]  # built once, shared
    assert first == resolution.price(book)
