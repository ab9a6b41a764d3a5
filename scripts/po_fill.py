"""Fill Chinese translations into locale/zh_Hans/LC_MESSAGES/django.po from a JSON file.

    .venv/bin/python scripts/po_fill.py translations.json      # {"English msgid": "中文", ...}

After `make messages` adds new msgids, write their Simplified Chinese in a JSON object and run
this; it prints what is still untranslated (tests/test_translations.py fails while anything is).
Plural entries take the one Chinese form. Fuzzy marks are cleared on the entries it fills.
"""

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main(json_path: str) -> int:
    translations = json.loads(Path(json_path).read_text(encoding="utf-8"))
    po = polib.pofile(str(PO))
    for entry in po:
        if entry.msgid in translations:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: translations[entry.msgid]}
            else:
                entry.msgstr = translations[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save()
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    print(f"untranslated: {len(missing)}")
    for msgid in missing:
        print(f"  {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
