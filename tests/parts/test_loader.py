"""The catalogue loader: the real data in full, idempotent, and a bad file changes nothing."""

import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from parts.models import Brand, Fitment, Package, Part, ServiceItem, Variant, VehicleModel
from parts.services import DATA_DIR, CatalogueDataError, catalogue_load

pytestmark = pytest.mark.django_db


def _state():
    return (
        Brand.objects.count(),
        VehicleModel.objects.count(),
        Variant.objects.count(),
        Part.objects.count(),
        sorted(Fitment.objects.values_list("id", "variant_id", "part_id")),
        ServiceItem.objects.count(),
        Package.objects.count(),
    )


def test_the_real_catalogue_loads_and_a_second_run_changes_nothing():
    out = StringIO()
    call_command("catalogue_load", stdout=out)
    first = _state()

    again = catalogue_load()

    assert _state() == first
    assert out.getvalue().strip() == (
        "catalogue: 38 brands, 196 models, 410 variants, 2624 parts, 19034 fitments (+19034 -0), "
        "19 service items, 15 packages"
    )
    assert (again.fitments_added, again.fitments_removed) == (0, 0)
    assert Brand.objects.get(slug="li-auto").initials == "lx"
    assert VehicleModel.objects.get(slug="corolla").initials == "kll"
    assert VehicleModel.objects.get(slug="corolla").pinyin == "kaluola"


def test_a_part_that_no_longer_fits_loses_its_fitment(tmp_path, real_data_dir):
    catalogue_load(data_dir=real_data_dir)
    shutil.copytree(real_data_dir, tmp_path, dirs_exist_ok=True)
    fitment = (tmp_path / "fitment.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in fitment if not line.startswith("MANN-HU7019z,")]
    (tmp_path / "fitment.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")

    result = catalogue_load(data_dir=tmp_path)

    assert result.fitments_removed > 0
    assert not Fitment.objects.filter(part__sku="MANN-HU7019z").exists()


def test_a_bad_data_file_is_refused_and_nothing_changes(tmp_path, real_data_dir):
    catalogue_load(data_dir=real_data_dir)
    before = _state()
    shutil.copytree(real_data_dir, tmp_path, dirs_exist_ok=True)
    with (tmp_path / "fitment.csv").open("a", encoding="utf-8") as handle:
        handle.write("MANN-HU7019z,colour,red\n")

    with pytest.raises(CatalogueDataError) as refused:
        catalogue_load(data_dir=tmp_path)

    assert "unknown fitment match_field 'colour'" in str(refused.value)
    assert _state() == before


def test_demo_load_loads_the_catalogue():
    out = StringIO()

    call_command("demo_load", stdout=out)

    assert (
        "catalogue: 38 brands, 196 models, 410 variants, 2624 parts, 19034 fitments, 15 packages"
        in out.getvalue()
    )
    assert DATA_DIR.joinpath("README.md").exists()
