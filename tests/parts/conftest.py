"""Catalogue fixtures: the real reference data (parts/data), loaded for a handful of real models."""

import csv
from pathlib import Path

import pytest

from parts.services import DATA_DIR, catalogue_load

# Real models that cover the rules: petrol (Corolla: 4.2 L oil), staggered tyres and LL-17FE+ oil
# (BMW 3 Series), EV (Model Y), single wiper and drum brakes (Hongguang MINI EV), rear drums (Fit),
# range extender (Li L7), Camry.
MODELS = {"corolla", "bmw-3-series", "model-y", "hongguang-mini-ev", "honda-fit", "li-auto-l7", "camry"}


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory) -> Path:
    """parts/data with vehicles.csv cut down to a few real models (every part and rule kept)."""
    target = tmp_path_factory.mktemp("catalogue")
    for source in DATA_DIR.glob("*.csv"):
        if source.name != "vehicles.csv":
            (target / source.name).write_bytes(source.read_bytes())
    with (DATA_DIR / "vehicles.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["model_slug"] in MODELS]
        fields = reader.fieldnames
    with (target / "vehicles.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.fixture
def real_catalogue(db, real_data_dir):
    """The real catalogue (all parts, service items, packages; the variants of MODELS)."""
    return catalogue_load(data_dir=real_data_dir)
