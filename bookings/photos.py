"""Service photos: check an upload on the server, re-encode it without its metadata, store it.

Only JPEG, PNG and WebP pictures up to ``PHOTO_MAX_BYTES`` are taken; Pillow decodes the whole
picture (a truncated or disguised file is refused), turns it upright by its EXIF orientation,
shrinks it to ``PHOTO_MAX_SIDE`` pixels on the longest side and saves it as a new JPEG, so no
EXIF (GPS position, phone serial) and no trailing payload ever reaches the owner or the disk.
"""

import hashlib
import io
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from bookings.models import PHOTO_FOLDER, ServicePhoto
from common.errors import DomainError
from shops.models import Membership

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
#: Refuse decompression bombs well before Pillow's own warning threshold.
MAX_PIXELS = 50_000_000


class PhotoInvalid(DomainError):
    default_message = _("This photo cannot be used: send a JPEG, PNG or WebP picture.")
    code = "photo_invalid"


def photo_clean(upload) -> tuple[ContentFile, str]:
    """The upload re-encoded as a clean JPEG, and the SHA-256 of what is stored.

    Raises ``PhotoInvalid`` (400, translated) for a file too large, not a picture, or of
    another type.
    """
    size = getattr(upload, "size", None)
    if size is None or size > settings.PHOTO_MAX_BYTES:
        raise PhotoInvalid(
            _("This photo is too large: at most %(mb)s MB.")
            % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise PhotoInvalid()
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoInvalid(_("This photo has too many pixels."), code="photo_too_large")
            probe.load()  # decode it all: a truncated or forged file fails here
            picture = ImageOps.exif_transpose(probe)
            picture = picture.convert("RGB")
    except PhotoInvalid:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoInvalid() from exc
    picture.thumbnail((settings.PHOTO_MAX_SIDE, settings.PHOTO_MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)  # no exif= : metadata is dropped
    data = out.getvalue()
    return ContentFile(data, name="photo.jpg"), hashlib.sha256(data).hexdigest()


def photo_store(*, upload, booking, uploaded_by, step=None, additional_work=None) -> ServicePhoto:
    """Clean and save one photo of an order (caller's transaction). The file is written before
    the row: if the transaction then rolls back, the file stays without a row, and
    ``photos_sweep_orphans`` deletes it later."""
    content, digest = photo_clean(upload)
    photo = ServicePhoto(
        booking=booking, step=step, additional_work=additional_work, sha256=digest, uploaded_by=uploaded_by
    )
    photo.image.save(content.name, content, save=False)
    photo.save()
    return photo


def photo_is_visible_to(photo: ServicePhoto, user) -> bool:
    """The order's owner and the staff of its shop see its photos; nobody else."""
    if not user.is_authenticated:
        return False
    if photo.booking.owner_id == user.pk:
        return True
    return Membership.objects.filter(user=user, shop_id=photo.booking.shop_id).exists()


def photos_sweep_orphans(*, now=None) -> int:
    """Delete the stored photo files that no ``ServicePhoto`` names, once older than
    ``PHOTO_ORPHAN_HOURS`` (their upload's transaction rolled back; a transaction still open is
    never that old). Walks one order folder at a time, one query per folder; a second run finds
    nothing to do. Returns how many files were deleted."""
    storage = ServicePhoto._meta.get_field("image").storage
    cutoff = (now or timezone.now()) - timedelta(hours=settings.PHOTO_ORPHAN_HOURS)
    root = PHOTO_FOLDER
    if not storage.exists(root):
        return 0
    deleted = 0
    folders, _files = storage.listdir(root)
    for folder in folders:
        _subfolders, files = storage.listdir(f"{root}/{folder}")
        names = [f"{root}/{folder}/{name}" for name in files]
        named = set(ServicePhoto.objects.filter(image__in=names).values_list("image", flat=True))
        for name in names:
            if name not in named and storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                deleted += 1
    return deleted
