"""Search keys for Chinese names: pinyin initials (卡罗拉 → "kll", 哈弗H6 → "hfh6") and full pinyin."""

import re

from pypinyin import Style, lazy_pinyin


def pinyin_initials(text: str) -> str:
    """The first letter of each Chinese character's pinyin; other letters and digits kept, lower case."""
    tokens = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return re.sub(r"[^0-9a-z]", "", "".join(tokens).lower())[:40]


def pinyin_full(text: str) -> str:
    """The whole pinyin without tones or spaces: 卡罗拉 → "kaluola", 哈弗H6 → "hafuh6"."""
    return re.sub(r"[^0-9a-z]", "", "".join(lazy_pinyin(text or "")).lower())[:80]
