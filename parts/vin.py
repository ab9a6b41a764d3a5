"""VIN validation and decoding: 17 characters, the check digit where it applies, maker and model year.

Decoding uses the ``vininfo`` package's table of world manufacturer identifiers (WMI, the first
three characters), plus the few newer Chinese makers it lacks (``EXTRA_WMI``, only codes seen on
the makers' own cars). The check digit (position 9, ISO 3779 weights) is mandatory for North
American VINs (region codes 1–5) and for mainland Chinese VINs (region ``L``: GB 16735 uses the
same check digit); elsewhere it is optional and not enforced. Pure code: no database.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _
from vininfo import Vin
from vininfo.dicts import WMI

from common.errors import DomainError

VIN_ALPHABET = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # position 10; the cycle repeats every 30 years

# Newer Chinese makers that vininfo does not know (or names for a bus maker only).
EXTRA_WMI = {
    "LW4": "Li Auto",  # 理想汽车 (Changzhou)
    "L1N": "XPeng",  # 小鹏汽车 (Zhaoqing)
    "LC0": "BYD Auto",  # 比亚迪: BYD's passenger cars (vininfo lists LC0 as BYD Bus only)
    "LPS": "Polestar",  # 极星 (Chengdu)
}

# vininfo maker name → our Brand slugs (a joint venture may build several of our brands).
MAKER_BRANDS: dict[str, tuple[str, ...]] = {
    "FAW-Volkswagen": ("volkswagen", "audi"),
    "SAIC Volkswagen": ("volkswagen", "skoda"),
    "Volkswagen": ("volkswagen",),
    "Škoda": ("skoda",),
    "Audi": ("audi",),
    "FAW Toyota": ("toyota",),
    "FAW Toyota (Tianjin)": ("toyota",),
    "GAC Toyota": ("toyota",),
    "Toyota": ("toyota",),
    "Lexus": ("lexus",),
    "Guangzhou Honda": ("honda",),
    "Dongfeng Honda": ("honda",),
    "Honda": ("honda",),
    "Dongfeng Nissan": ("nissan",),
    "Nissan": ("nissan",),
    "BMW Brilliance": ("bmw",),
    "BMW": ("bmw",),
    "Beijing Benz": ("mercedes-benz",),
    "DaimlerChrysler AG/Daimler AG": ("mercedes-benz",),
    "Mercedes-Benz": ("mercedes-benz",),
    "Buick China": ("buick",),
    "Buick": ("buick",),
    "SAIC General Motors": ("buick", "chevrolet", "cadillac"),
    "Chevrolet": ("chevrolet",),
    "Cadillac": ("cadillac",),
    "Tesla China": ("tesla",),
    "Tesla": ("tesla",),
    "Tesla Motors USA": ("tesla",),
    "FAW Car": ("hongqi",),
    "Changan Mazda": ("mazda",),
    "Mazda": ("mazda",),
    "Changan Ford": ("ford",),
    "Ford": ("ford",),
    "Changan Suzuki": ("changan",),
    "Chery": ("chery",),
    "Volvo": ("volvo",),
    "Volvo China": ("volvo",),
    "Volvo Cars": ("volvo",),
    "Geely": ("geely", "lynk-co", "zeekr"),
    "Great Wall (Havel)": ("haval",),
    "BYD Auto": ("byd",),
    "GAC Trumpchi": ("trumpchi", "aion"),
    "SAIC MG": ("mg", "roewe"),
    "SAIC GM Wuling": ("wuling",),
    "Beijing Hyundai": ("hyundai",),
    "Hyundai": ("hyundai",),
    "Dongfeng Yueda Kia": ("kia",),
    "Kia": ("kia",),
    "Land Rover": ("land-rover",),
    "Porsche car": ("porsche",),
    "Porsche SUV": ("porsche",),
    "Li Auto": ("li-auto",),
    "XPeng": ("xpeng",),
}


# vininfo's country names (English) of the countries that build cars sold in China, for the pages.
COUNTRY_NAMES = {
    "China": _("China"),
    "Japan": _("Japan"),
    "Germany": _("Germany"),
    "United States": _("United States"),
    "South Korea": _("South Korea"),
    "Sweden": _("Sweden"),
    "United Kingdom": _("United Kingdom"),
    "France": _("France"),
    "Italy": _("Italy"),
    "Spain": _("Spain"),
    "Czech Republic": _("Czech Republic"),
    "Slovakia": _("Slovakia"),
    "Hungary": _("Hungary"),
    "Austria": _("Austria"),
    "Belgium": _("Belgium"),
    "Netherlands": _("Netherlands"),
    "Mexico": _("Mexico"),
    "Canada": _("Canada"),
    "Brazil": _("Brazil"),
    "India": _("India"),
    "Thailand": _("Thailand"),
    "Taiwan": _("Taiwan"),
    "Hong Kong": _("Hong Kong"),
    "Turkey": _("Turkey"),
}


def country_label(name: str) -> str:
    """The country in the page's language (the English name when we have no translation)."""
    return str(COUNTRY_NAMES.get(name, name))


class InvalidVin(DomainError):
    default_message = _("This is not a valid VIN.")
    code = "invalid_vin"


@dataclass(frozen=True)
class DecodedVin:
    vin: str
    wmi: str
    manufacturer: str  # "" when the WMI is unknown
    country: str
    model_year: int | None
    check_digit_checked: bool  # True where the check digit is mandatory (and it matched)
    brand_slugs: tuple[str, ...]


def check_digit(vin: str) -> str:
    """The ISO 3779 / SAE J853 / GB 16735 check digit of a 17-character VIN (``0``–``9`` or ``X``)."""
    total = sum(TRANSLITERATION[char] * weight for char, weight in zip(vin, WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def check_digit_required(vin: str) -> bool:
    """North America (region 1–5) and mainland China (region L) make position 9 a check digit."""
    return vin[0] in "12345L"


def model_year(code: str, today: date | None = None) -> int | None:
    """The latest model year for the position-10 code that is not after next year."""
    if code not in YEAR_CODES:
        return None
    latest = (today or date.today()).year + 1  # noqa: DTZ011 - a calendar year, no time zone at stake
    year = 1980 + YEAR_CODES.index(code)
    while year + 30 <= latest:
        year += 30
    return year


def normalise(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()


def vin_validate(raw: str) -> str:
    """The VIN in capitals without spaces, or ``InvalidVin`` with the reason."""
    vin = normalise(raw)
    if len(vin) != 17:
        raise InvalidVin(
            _("A VIN has exactly 17 characters; this one has %(count)d.") % {"count": len(vin)},
            code="invalid_vin_length",
        )
    if not VIN_ALPHABET.match(vin):
        bad = sorted({c for c in vin if not re.match(r"[A-HJ-NPR-Z0-9]", c)})
        raise InvalidVin(
            _("A VIN uses only digits and capital letters other than I, O and Q; found: %(chars)s.")
            % {"chars": " ".join(bad)},
            code="invalid_vin_characters",
        )
    if check_digit_required(vin) and vin[8] != check_digit(vin):
        raise InvalidVin(
            _(
                "The check digit (9th character) should be %(expected)s, not %(found)s: "
                "check for a typing mistake."
            )
            % {"expected": check_digit(vin), "found": vin[8]},
            code="invalid_vin_check_digit",
        )
    return vin


def manufacturer_of(vin: str) -> str:
    wmi = vin[:3]
    if wmi in EXTRA_WMI:
        return EXTRA_WMI[wmi]
    if wmi in WMI or wmi[:2] in WMI:
        return Vin(vin).manufacturer
    return ""


def vin_decode(raw: str, *, today: date | None = None) -> DecodedVin:
    """Validate, then decode what the VIN says: maker (WMI), country and model year."""
    vin = vin_validate(raw)
    manufacturer = manufacturer_of(vin)
    return DecodedVin(
        vin=vin,
        wmi=vin[:3],
        manufacturer=manufacturer,
        country=Vin(vin).country or "",
        model_year=model_year(vin[9], today),
        check_digit_checked=check_digit_required(vin),
        brand_slugs=MAKER_BRANDS.get(manufacturer, ()),
    )
