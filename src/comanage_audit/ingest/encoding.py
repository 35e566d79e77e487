"""Decode export text: BOM, else UTF-8, else Windows-1252 (what Excel writes on Western
Windows). A UTF-8 file with a few stray non-UTF-8 bytes (a hand edit in an old editor)
keeps its UTF-8 text and reads only those bytes as Windows-1252."""

from __future__ import annotations

import re

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# `surrogateescape` turns each undecodable byte b into U+DC00+b; this reads them as cp1252.
_CP1252_FOR_ESCAPES = {
    0xDC00 + b: bytes([b]).decode("cp1252", errors="replace") for b in range(0x80, 0x100)
}
_ESCAPED = re.compile("[\udc80-\udcff]")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode(data: bytes) -> tuple[str, str]:
    """Decode by BOM, else UTF-8, else Windows-1252 (what Excel writes on Western Windows).

    A mostly-UTF-8 file with stray bytes that are not UTF-8 is `utf-8+cp1252`: valid UTF-8
    sequences as UTF-8, each stray byte as Windows-1252.
    """
    text, encoding, _stray, _first = decode_with_strays(data)
    return text, encoding


def decode_with_strays(data: bytes) -> tuple[str, str, int, int]:
    """Text, encoding, number of stray (non-UTF-8) bytes, and the line of the first one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, 0, 0
            except UnicodeDecodeError:
                return data.decode(encoding, errors="replace"), f"{encoding}, repaired", 0, 0
    bom_less_utf16 = utf16_without_bom(data)
    if bom_less_utf16:
        return data.decode(bom_less_utf16, errors="replace"), bom_less_utf16, 0, 0
    try:
        return data.decode("utf-8"), "utf-8", 0, 0
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data) is None:
        return data.decode("cp1252", errors="replace"), "cp1252", 0, 0
    escaped = data.decode("utf-8", errors="surrogateescape")
    first = _ESCAPED.search(escaped)
    stray = len(_ESCAPED.findall(escaped))
    line = escaped.count("\n", 0, first.start()) + 1 if first else 0
    return escaped.translate(_CP1252_FOR_ESCAPES), "utf-8+cp1252", stray, line


def utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: text where every other byte is NUL."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def is_utf16(data: bytes) -> bool:
    return data.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(data) is not None
