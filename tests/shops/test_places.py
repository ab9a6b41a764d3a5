"""Tests for places.py against the real package data (no fixtures typed in)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from shapely.geometry import Point

from shops import places as P

HANGZHOU_2021 = {
    "330102": "上城区",
    "330105": "拱墅区",
    "330106": "西湖区",
    "330108": "滨江区",
    "330109": "萧山区",
    "330110": "余杭区",
    "330111": "富阳区",
    "330112": "临安区",
    "330113": "临平区",
    "330114": "钱塘区",
    "330122": "桐庐县",
    "330127": "淳安县",
    "330182": "建德市",
}


def test_data_snapshot_is_recent():
    assert P.DATA_AS_OF >= "2021-12-31"


def test_hangzhou_has_exactly_the_post_2021_districts():
    ds = P.districts("330100")
    assert {d.code: d.name_zh for d in ds} == HANGZHOU_2021
    names = {d.name_zh for d in ds}
    # Abolished by the 2021 reform: 江干区, 下城区 (and 临安市 became 临安区 in 2017).
    assert not names & {"江干区", "下城区", "临安市"}
    assert all(d.city_zh == "杭州市" and d.province_zh == "浙江省" for d in ds)
    assert [d.code for d in ds] == sorted(d.code for d in ds)


def test_default_city_is_hangzhou_and_cached():
    assert P.districts() == P.districts("330100")
    assert P.districts() is not P.districts()  # callers get their own list


@pytest.mark.parametrize(
    ("code", "name_en"),
    [
        ("330106", "Xihu District"),
        ("330105", "Gongshu District"),
        ("330112", "Lin'an District"),
        ("330127", "Chun'an County"),
        ("330182", "Jiande City"),
    ],
)
def test_english_names(code, name_en):
    assert P.district(code).name_en == name_en


def test_district_is_frozen():
    d = P.district("330106")
    with pytest.raises(AttributeError):
        d.name_zh = "x"  # type: ignore[misc]


def test_representative_points_lie_in_their_own_polygons():
    for d in P.districts():
        assert 29.0 < d.lat < 30.8
        assert 118.3 < d.lng < 120.8
        assert P.district_polygon(d.code).contains(Point(d.lng, d.lat))
        assert P.district_of_point(d.lat, d.lng) == d


def test_areas_are_plausible():
    # Official areas: 西湖区 ~309 km², 淳安县 ~4427 km² (simplified polygons).
    areas = {d.code: d.area_km2 for d in P.districts()}
    assert 250 < areas["330106"] < 370
    assert 4000 < areas["330127"] < 4800
    assert 14_000 < sum(areas.values()) < 18_500  # 杭州市 ~16,850 km²


def test_random_points_inside_their_district_and_reproducible():
    rng = random.Random(42)
    pts = []
    for d in P.districts():
        for _ in range(25):
            lat, lng = P.random_point_in_district(d.code, rng)
            assert P.district_polygon(d.code).contains(Point(lng, lat))
            got = P.district_of_point(lat, lng)
            assert got is not None
            assert got.code == d.code
            pts.append((lat, lng))
    rng2 = random.Random(42)
    again = [P.random_point_in_district(d.code, rng2) for d in P.districts() for _ in range(25)]
    assert again == pts


@pytest.mark.parametrize(
    ("lat", "lng", "name"),
    [
        (30.2431, 120.1507, "西湖区"),  # West Lake
        (30.2730, 120.1640, "拱墅区"),  # 武林广场 (ex-下城区)
        (30.2910, 120.2130, "上城区"),  # 杭州东站 (ex-江干区)
        (30.2295, 120.4344, "萧山区"),  # 萧山国际机场
        (30.3100, 120.3500, "钱塘区"),  # 下沙
        (29.6050, 119.0400, "淳安县"),  # 千岛湖镇
    ],
)
def test_landmarks(lat, lng, name):
    d = P.district_of_point(lat, lng)
    assert d is not None
    assert d.name_zh == name


def test_point_outside_china():
    assert P.district_of_point(48.8584, 2.2945) is None  # Paris
    assert P.district_of_point(30.0, 125.0) is None  # East China Sea


def _metres(a, b):
    return P.haversine_km(a[0], a[1], b[0], b[1]) * 1000


def test_conversions_round_trip_within_1m():
    rng = random.Random(7)
    for _ in range(200):
        wgs = (rng.uniform(29.2, 30.6), rng.uniform(118.4, 120.7))
        gcj = P.wgs84_to_gcj02(*wgs)
        assert 100 < _metres(wgs, gcj) < 1000  # the GCJ offset is a few hundred m
        assert _metres(P.gcj02_to_wgs84(*gcj), wgs) < 1.0
        bd = P.gcj02_to_bd09(*gcj)
        assert 300 < _metres(gcj, bd) < 1500
        assert _metres(P.bd09_to_gcj02(*bd), gcj) < 1.0


def test_conversion_argument_order_is_lat_lng():
    lat, lng = P.wgs84_to_gcj02(30.24, 120.15)
    assert 30.2 < lat < 30.3
    assert 120.1 < lng < 120.2


def test_haversine():
    assert P.haversine_km(30.0, 120.0, 30.0, 120.0) == 0
    # One degree of latitude ~ 111.2 km.
    assert P.haversine_km(30.0, 120.0, 31.0, 120.0) == pytest.approx(111.19, abs=0.05)
    # 武林广场 -> 杭州东站, ~5.5 km
    assert 4.5 < P.haversine_km(30.2730, 120.1640, 30.2910, 120.2130) < 6.5
    assert P.haversine_km(30, 120, 31, 121) == pytest.approx(P.haversine_km(31, 121, 30, 120))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("浙江省杭州市西湖区文三路100号", "330106"),
        ("浙江 杭州 余杭区 文一西路969号", "330110"),
        ("杭州市临平区南苑街道", "330113"),
        ("杭州钱塘区下沙路", "330114"),
        ("西湖区文三路", "330106"),  # 西湖区 also exists in 南昌; Hangzhou preferred
        ("南昌市西湖区", "360103"),
        ("杭州市南苑街道东湖路", "330113"),  # township -> district
        ("杭州市建德市新安江街道", "330182"),
        ("北京市朝阳区建国路", "110105"),
    ],
)
def test_parse_address(text, code):
    d = P.parse_address(text)
    assert d is not None
    assert d.code == code


@pytest.mark.parametrize("text", ["", "文三路100号", "杭州市江干区钱江路", "hello"])
def test_parse_address_unknown(text):
    # 江干区 was abolished in 2021 (split into 上城区/钱塘区): no guessing.
    assert P.parse_address(text) is None


def test_unknown_codes():
    with pytest.raises(KeyError):
        P.district("999999")
    with pytest.raises(KeyError):
        P.district("330100")  # a prefecture, not a district
    with pytest.raises(KeyError):
        P.districts("990000")


DEMO = Path(__file__).resolve().parents[2] / "shops" / "data" / "demo_shops.csv"


def test_demo_shops_csv():
    rows = list(csv.DictReader(DEMO.open(encoding="utf-8")))
    assert len(rows) >= 72
    assert len({r["slug"] for r in rows}) == len(rows)
    assert len({r["name_zh"] for r in rows}) == len(rows)
    assert len({r["phone"] for r in rows}) == len(rows)
    assert {r["kind"] for r in rows} == {"dealer_4s", "chain", "independent"}
    rates = {"dealer_4s": (180, 320), "chain": (90, 150), "independent": (60, 120)}
    for r in rows:
        d = P.district_of_point(float(r["lat"]), float(r["lng"]))
        assert d is not None, r["slug"]
        assert d.code == r["district_code"], r["slug"]
        assert d.name_zh in r["address_zh"]
        lo, hi = rates[r["kind"]]
        assert lo <= int(r["labour_rate"]) <= hi
        assert 1 <= int(r["bays"]) <= 8
        assert r["slot_minutes"] in {"30", "60"}
        assert 3.6 <= float(r["rating"]) <= 4.9
        assert 0 <= int(r["dispatch_priority"]) <= 10
        assert r["phone"].startswith("0571-8")
        assert len(r["phone"]) == 13
        assert (r["brand_focus"] != "") == (r["kind"] == "dealer_4s")
        assert r["opens"] < r["closes"]
