"""Every user-facing string has its Simplified Chinese translation."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def test_the_chinese_catalogue_is_complete():
    po = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))

    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]

    assert untranslated == []
    assert fuzzy == []
    assert len(po.translated_entries()) > 50
