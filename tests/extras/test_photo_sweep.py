"""A photo whose upload rolled back leaves a file without a row; the daily sweep deletes it."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bookings import tasks
from bookings.models import ServicePhoto
from bookings.photos import photo_store, photos_sweep_orphans
from tests.extras.conftest import photo_upload

pytestmark = pytest.mark.django_db


def _files(settings) -> set[str]:
    root = settings.MEDIA_ROOT / "service-photos"
    return {str(path.relative_to(settings.MEDIA_ROOT)) for path in root.rglob("*.jpg")}


def test_the_sweep_deletes_only_files_left_by_a_rolled_back_upload_and_only_once_old(floor, settings):
    # given one photo kept and one whose transaction rolled back after the file was written
    kept = photo_store(upload=photo_upload(), booking=floor.booking, uploaded_by=floor.counter.cashier)
    with transaction.atomic():
        photo_store(upload=photo_upload(), booking=floor.booking, uploaded_by=floor.counter.cashier)
        transaction.set_rollback(True)  # e.g. the step it belongs to could not be saved
    assert ServicePhoto.objects.count() == 1
    orphan = _files(settings) - {kept.image.name}
    assert len(orphan) == 1

    # when the sweep runs within the day, nothing goes (the upload may be in a transaction still)
    assert photos_sweep_orphans() == 0
    assert len(_files(settings)) == 2

    # when it runs a day later, the orphan goes and the kept photo stays; a rerun changes nothing
    later = timezone.now() + timedelta(hours=settings.PHOTO_ORPHAN_HOURS, minutes=1)
    assert photos_sweep_orphans(now=later) == 1
    assert _files(settings) == {kept.image.name}
    assert photos_sweep_orphans(now=later) == 0
    with ServicePhoto.objects.get(pk=kept.pk).image.open("rb") as stored:
        assert stored.read(2) == b"\xff\xd8"  # still there: a JPEG


def test_the_task_runs_the_sweep_with_no_photos_stored_at_all(settings):
    assert tasks.photos_sweep_orphans.delay().get() == 0
