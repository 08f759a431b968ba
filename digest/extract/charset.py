"""Bytes → text for fetched pages: find the charset, check it, repair mojibake.

A declared charset (HTTP header, BOM, ``<meta>``) is a claim, not a fact:
servers routinely label UTF-8 pages ISO-8859-1. Each claim is checked against
the bytes; a strict UTF-8 decode that succeeds on non-ASCII bytes is
overwhelming evidence (random legacy text is almost never valid UTF-8), so it
wins over a single-byte label. When nothing fits, charset-normalizer guesses.
"""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

from digest.errors import ExtractError
from digest.escape import xml_safe

__all__ = ["decode_page", "looks_binary", "repair_mojibake"]

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_XML_ENCODING = re.compile(rb"<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", re.I)

# Labels replaced by the superset browsers use for them (WHATWG Encoding):
# decoding with the superset never loses a character the page meant.
_SUPERSETS = {
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "tis-620": "cp874",
}
_SINGLE_BYTE = {"cp1252", "windows-1252", "cp1250", "cp1251", "iso-8859-15", "iso-8859-2"}


def _normalise(label: str) -> str | None:
    """A Python codec name for a declared label, or None if unknown."""
    name = label.strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# C0 control bytes that text does not hold (tab, newlines, form feed and
# escape are text).
_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def looks_binary(data: bytes) -> bool:
    """True for data that is no text in any charset we accept.

    UTF-16/32 are recognised by their BOM before this runs; any other NUL
    byte, or many C0 control bytes, means an image, archive or executable.
    """
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROLS))  # counted in C
    return controls / len(head) > 0.05


def _declared(data: bytes, content_type: str | None) -> list[str]:
    """Charsets the page claims, most trusted first (header, then meta)."""
    claims: list[str] = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            claims.append(match.group(1))
    head = data[:4096]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        found = pattern.search(head)
        if found:
            claims.append(found.group(1).decode("ascii", "replace"))
    names = []
    for claim in claims:
        name = _normalise(claim)
        if name and name not in names:
            names.append(name)
    return names


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


# The charsets web pages actually use, most common first. Limiting the
# guesser to them avoids exotic DOS code pages winning on short samples, and
# the order breaks ties (Western pages tie between CP1250/1252/1257).
_WEB_CHARSETS = (
    "cp1252",
    "gb18030",
    "big5hkscs",
    "cp932",
    "euc_jp",
    "cp949",
    "cp1251",
    "cp1250",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
    "koi8_r",
    "cp874",
)


def _guess(data: bytes) -> str | None:
    matches = list(from_bytes(data, cp_isolation=list(_WEB_CHARSETS)))
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    tied = [m.encoding for m in matches if m.chaos <= least + 0.01]
    tied.sort(key=lambda enc: _WEB_CHARSETS.index(enc) if enc in _WEB_CHARSETS else 99)
    return _normalise(tied[0])


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """Decode page bytes to text, trusting claims only where the bytes agree."""
    return xml_safe(_decode(data, content_type))


def _decode(data: bytes, content_type: str | None) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return repair_mojibake(data[len(bom) :].decode(encoding, "replace"))
    if looks_binary(data):
        raise ExtractError("binary data, not a text or HTML page")
    declared = _declared(data, content_type)
    if data.isascii():
        return data.decode("ascii")
    utf8 = _try(data, "utf-8")
    for name in declared:
        if name == "utf-8":
            if utf8 is not None:
                return _repair_utf8(data, utf8)
            continue
        if utf8 is not None and (name in _SINGLE_BYTE or name.startswith("iso8859")):
            # The page says Latin-1 (or similar) but is valid UTF-8: believe the bytes.
            log.debug("declared %s but the bytes are UTF-8", name)
            return _repair_utf8(data, utf8)
        text = _try(data, name)
        if text is not None:
            return repair_mojibake(text)
    if utf8 is not None:
        return _repair_utf8(data, utf8)
    encoding = _guess(data[:200_000]) or (declared[0] if declared else "cp1252")
    log.debug("guessed charset %s", encoding)
    return repair_mojibake(data.decode(encoding, "replace"))


# What UTF-8 continuation bytes (0x80-0xBF) look like once read as CP1252
# or Latin-1: the C1 range, Latin-1 punctuation, and CP1252's specials.
_CONT = "\u0080-\u00bf" + re.escape(bytes(range(0x80, 0xA0)).decode("cp1252", "ignore"))
# A lead byte (0xC2-0xF4 → "Â".."ô") followed by continuation bytes.
_MOJIBAKE_RUN = re.compile(f"(?:[\u00c2-\u00f4][{_CONT}]+)+")
# The cheap first look: a lead character alone is found several times faster
# than the run pattern, and most pages have none followed by a continuation.
_LEAD = re.compile("[\u00c2-\u00f4]")
_CONT_CHARS = frozenset(
    [chr(c) for c in range(0x80, 0xC0)] + list(bytes(range(0x80, 0xA0)).decode("cp1252", "ignore"))
)


def _may_hold_mojibake(text: str) -> bool:
    return any(text[m.end() : m.end() + 1] in _CONT_CHARS for m in _LEAD.finditer(text))


# The same first look on the UTF-8 bytes a text was decoded from, where every
# lead is C3 82..C3 B4: a search for the byte C3 runs ten times as fast as
# the look at the text's characters (a lead is a letter of Latin scripts).
_LEAD_CONT_UTF8 = re.compile(
    b"\xc3[\x82-\xb4](?:" + b"|".join(re.escape(c.encode()) for c in sorted(_CONT_CHARS)) + b")"
)


def _repair_utf8(data: bytes, text: str) -> str:
    """``repair_mojibake(text)`` for ``text = data.decode("utf-8")``."""
    if _LEAD_CONT_UTF8.search(data) is None:
        return text
    return _MOJIBAKE_RUN.sub(_repair_run, text)


def _to_bytes(run: str) -> bytes | None:
    out = bytearray()
    for ch in run:
        code = ord(ch)
        if code < 256:
            out.append(code)
            continue
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            return None
    return bytes(out)


def _repair_run(match: re.Match[str]) -> str:
    run = match.group(0)
    raw = _to_bytes(run)
    if raw is None:
        return run
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return run


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as CP1252/Latin-1 where the bytes prove it.

    Only runs that re-encode to *valid* UTF-8 are replaced; genuine Latin
    text ("café", "Ärger") does not form valid UTF-8 sequences and stays.
    """
    if text.isascii() or not _may_hold_mojibake(text):
        return text
    return _MOJIBAKE_RUN.sub(_repair_run, text)
