"""Plain-text page dumps (a page as a reader copied it) → ``Extracted``.

A dump has no markup, so the article is found from the shape of its lines,
the way jusText classifies paragraphs: prose lines are long and end like
sentences; menus, share rows and footers are short. Each line gets a score
(positive for prose, negative for chrome) and the article is the run of
lines with the highest total (a maximum-sum segment). Before that, SEO spam
is removed: keyword-stuffed lines and lines in a script foreign to the page.
After it, the same head and tail rules as for HTML bodies apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .boilerplate import is_trailer_text
from .errors import ExtractError
from .markdown import escape_markup, markdown_to_text
from .model import Extracted
from .pagemeta import guess_language, is_stuffed_title, locale_offset, parse_byline, parse_datetime

__all__ = ["extract_text_page"]

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SENTENCE_END = re.compile(r"[.!?。！？…\"”’»)\]:]\s*$")
_CAPTION = re.compile(
    r"\[(?:photo|image|picture|file photo)[^\]]*\]|\((?:photo|image)[^)]*\)", re.I
)
_BREADCRUMB = re.compile(r"^(?:home|homepage)\s*[/>»›]\s*(.+)$", re.I)
_BYLINE = re.compile(r"^by\s+\S", re.I)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]])|^([#>+-])")


@dataclass(frozen=True)
class _Line:
    text: str
    weight: float  # words, counting two CJK characters as one


def _weight(text: str) -> float:
    return (
        len(re.findall(r"[A-Za-z0-9\u00c0-\u024f\u0400-\u04ff]+", text))
        + len(_CJK.findall(text)) / 2
    )


def _foreign(text: str, cjk_page: bool) -> bool:
    """A line in the wrong script for the page: spam in a Latin page, or vice versa."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return (not cjk_page and cjk > max(4, latin)) or (cjk_page and latin > 40 and cjk == 0)


def _score(line: _Line) -> float:
    """Prose scores positive, chrome negative; long sentences weigh most."""
    if line.weight >= 12 and _SENTENCE_END.search(line.text):
        return min(line.weight, 80) / 10
    if line.weight >= 25:
        return 1.0
    return -1.0 if line.weight < 6 else -0.5


def _best_run(scores: list[float]) -> tuple[int, int]:
    """[start, end) of the maximum-sum segment (Kadane)."""
    best, best_span = float("-inf"), (0, 0)
    total, start = 0.0, 0
    for i, value in enumerate(scores):
        if total <= 0:
            total, start = 0.0, i
        total += value
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


def _escape(text: str) -> str:
    """Plain text → Markdown that renders as that text (no markup, no HTML)."""
    return _MD_SPECIAL.sub(lambda m: "\\" + (m.group(1) or m.group(2)), escape_markup(text))


def extract_text_page(text: str, *, url: str | None = None) -> Extracted:
    """Find the article in a text dump; raise ExtractError when there is none."""
    raw = [" ".join(line.split()) for line in text.splitlines()]
    raw = [line for line in raw if line]
    if not raw:
        raise ExtractError("empty page")
    cjk_page = len(_CJK.findall(text)) > len(_LATIN.findall(text))
    lines = [
        _Line(line, _weight(line))
        for line in raw
        if not is_stuffed_title(line) and not _foreign(line, cjk_page)
    ]
    if not lines:
        raise ExtractError("no article text found (only spam or navigation)")
    # The site speaking (copyright, contact, disclaimer) ends the article even
    # when it is written in full sentences.
    scores = [-3.0 if is_trailer_text(line.text) else _score(line) for line in lines]
    start, end = _best_run(scores)
    if end <= start or sum(line.weight for line in lines[start:end]) < 20:
        raise ExtractError("no article text found (navigation, listing or empty page)")

    header = lines[max(0, start - 12) : start]
    title = author = site = stamp = section = caption = None
    for i, line in enumerate(header):
        crumb = _BREADCRUMB.match(line.text)
        if crumb:
            section = " / ".join(
                p.strip() for p in re.split(r"[/>»›]", crumb.group(1)) if p.strip()
            )
        elif _BYLINE.match(line.text) and author is None:
            author, site, stamp = parse_byline(line.text)
            previous = [
                h.text for h in header[:i] if 3 <= h.weight <= 30 and not _BREADCRUMB.match(h.text)
            ]
            title = previous[-1] if previous else None
    body = lines[start:end]
    # A photo caption opens the run: keep it, but as a caption.
    if body and _CAPTION.search(body[0].text):
        caption = body[0].text
        body = body[1:]
    elif header and _CAPTION.search(header[-1].text):
        caption = header[-1].text
    # The head and tail rules of HTML bodies: bylines and dates at the top,
    # the site speaking (contact, disclaimer, subscribe) at the bottom.
    while body and (_BYLINE.match(body[0].text) or body[0].text == title):
        body = body[1:]
    while body and (is_trailer_text(body[-1].text) or _score(body[-1]) < 0):
        body = body[:-1]
    if title is None:
        title = next((h.text for h in reversed(header) if 3 <= h.weight <= 30), None)
    paragraphs = [_escape(line.text) for line in body]
    if caption:
        paragraphs.insert(0, f"*{_escape(caption)}*")
    markdown = "\n\n".join(paragraphs)
    plain = markdown_to_text(markdown)
    if not plain:
        raise ExtractError("no article text found (navigation, listing or empty page)")
    offset = locale_offset(url, site)
    return Extracted(
        title=title,
        markdown=markdown,
        text=plain,
        author=author,
        published=parse_datetime(stamp, offset),
        url=url,
        site_name=site,
        language=guess_language(plain),
        image_caption=caption,
        section=section,
    )
