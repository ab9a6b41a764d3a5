"""Search keys for Chinese names: pinyin initials (卡罗拉 → "kll", 哈弗H6 → "hfh6")."""

import re

from pypinyin import Style, lazy_pinyin


def pinyin_initials(text: str) -> str:
    """The first letter of each Chinese character's pinyin; other letters and digits kept, lower case."""
    tokens = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return re.sub(r"[^0-9a-z]", "", "".join(tokens).lower())[:40]
