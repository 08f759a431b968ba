"""Plain-text page dumps (a page as a reader copied it) → ``Extracted``.

A dump has no markup, so the article is found from its lines. SEO spam goes
first (keyword-stuffed lines, lines in a script foreign to the page). The
rest are classed in two stages the way jusText classes paragraphs
(:mod:`digest.extract.textlines`): each line alone (good prose, bad chrome, short),
then the short ones from their neighbours. The page's own structure bounds
the search: the article starts below its headline (the title repeated) or
byline and ends at a "related", "comments", "tags" or share heading. Within
those bounds the article is the run of lines with the highest total value
(prose by its length, chrome at a cost; a maximum-sum segment), keeping its
good lines. Then the same head and tail rules as for HTML bodies apply.
"""

from __future__ import annotations

import re

from digest.errors import ExtractError
from digest.escape import md_text
from digest.extract.boilerplate import is_trailer_text
from digest.extract.markdown import markdown_to_text
from digest.extract.meta import (
    guess_language,
    is_stuffed_title,
    locale_offset,
    parse_byline,
    parse_datetime,
)
from digest.extract.textlines import (
    BAD,
    BYLINE,
    CJK,
    GOOD,
    NEARGOOD,
    Line,
    anchors,
    classify,
    make_lines,
    revise,
)
from digest.model import Extracted

__all__ = ["extract_text_page"]

_ALNUM = re.compile(r"[^\W_]")  # a line with no letter or digit carries no text
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CAPTION = re.compile(
    r"\[(?:photo|image|picture|file photo)[^\]]*\]|\((?:photo|image)[^)]*\)", re.I
)
_BREADCRUMB = re.compile(r"^(?:home|homepage)\s*[/>»›]\s*(.+)$", re.I)


def _foreign(text: str, cjk_page: bool) -> bool:
    """A line in the wrong script for the page: spam in a Latin page, or vice versa."""
    cjk = len(CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return (not cjk_page and cjk > max(4, latin)) or (cjk_page and latin > 40 and cjk == 0)


def _value(line: Line, cls: str) -> float:
    """What a line adds to a run: prose by its length, chrome at a cost.

    Lines made good by their neighbours only (cells, items, subheadings)
    are carried along by the prose around them but add nothing themselves.
    """
    if cls == GOOD:
        if line.cls == GOOD:
            return min(line.weight, 80) / 10
        return 0.2 if line.cls == NEARGOOD else 0.0
    if line.trailer:
        return -3.0
    return -2.0 if line.chrome else -1.0


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


def extract_text_page(text: str, *, url: str | None = None) -> Extracted:
    """Find the article in a text dump; raise ExtractError when there is none."""
    raw = [" ".join(line.split()) for line in text.splitlines()]
    raw = [line for line in raw if _ALNUM.search(line)]
    if not raw:
        raise ExtractError("empty page")
    cjk_page = len(CJK.findall(text)) > len(_LATIN.findall(text))
    clean = [line for line in raw if not _foreign(line, cjk_page)]
    lines = make_lines([line for line in clean if not is_stuffed_title(line)])
    if not lines:
        raise ExtractError("no article text found (only spam or navigation)")
    classify(lines)
    lo, hi, anchored = anchors(clean[:3], lines)
    window = lines[lo:hi]
    classes = revise(window, head=GOOD if anchored else BAD)
    start, end = _best_run([_value(line, c) for line, c in zip(window, classes, strict=True)])
    kept = [
        line for line, c in zip(window[start:end], classes[start:end], strict=True) if c == GOOD
    ]
    start, end = start + lo, end + lo
    if not kept or sum(line.weight for line in kept) < 20:
        raise ExtractError("no article text found (navigation, listing or empty page)")

    header = lines[max(0, start - 12) : start]
    title = author = site = stamp = section = caption = None
    for i, line in enumerate(header):
        crumb = _BREADCRUMB.match(line.text)
        if crumb:
            section = " / ".join(
                p.strip() for p in re.split(r"[/>»›]", crumb.group(1)) if p.strip()
            )
        elif BYLINE.match(line.text) and author is None:
            author, site, stamp = parse_byline(line.text)
            previous = [
                h.text for h in header[:i] if 3 <= h.weight <= 30 and not _BREADCRUMB.match(h.text)
            ]
            title = previous[-1] if previous else None
    body = kept
    # A photo caption opens the run: keep it, but as a caption.
    if body and _CAPTION.search(body[0].text):
        caption = body[0].text
        body = body[1:]
    elif header and _CAPTION.search(header[-1].text):
        caption = header[-1].text
    # The head and tail rules of HTML bodies: bylines and dates at the top,
    # the site speaking (contact, disclaimer, subscribe) at the bottom.
    while body and (BYLINE.match(body[0].text) or body[0].text == title):
        body = body[1:]
    while body and (is_trailer_text(body[-1].text) or body[-1].cls == BAD):
        body = body[:-1]
    if title is None:
        title = next((h.text for h in reversed(header) if 3 <= h.weight <= 30), None)
    paragraphs = [md_text(line.text) for line in body]
    if caption:
        paragraphs.insert(0, f"*{md_text(caption)}*")
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
