"""Plain-text page dumps (a page as a reader copied it) → ``Extracted``.

A dump has no markup, so the article is found from its lines. SEO spam goes
first (keyword-stuffed lines, lines in a script foreign to the page). The
rest are classed in two stages the way jusText classes paragraphs
(:mod:`digest.extract.textlines`): each line alone (good prose, bad chrome,
short), then the short ones from their neighbours. The article is the run of
lines with the highest total value (prose by its length, chrome at a cost; a
maximum-sum segment), looked for from the top of the page and from below
every byline or date line (see :func:`_article_span`): the page's layout,
not a line's position, says where an article starts and ends. Its headline,
byline and date are read from the lines above it
(:mod:`digest.extract.header`). Then the same head and tail rules as for
HTML bodies apply.
"""

from __future__ import annotations

import re
from dataclasses import replace

from digest.errors import ExtractError
from digest.escape import md_text
from digest.extract.boilerplate import is_trailer_text
from digest.extract.bylines import byline_author, is_dateline
from digest.extract.dates import locale_offset, plausible
from digest.extract.header import headline_score, places, read_header
from digest.extract.markdown import markdown_to_text
from digest.extract.meta import guess_language, is_stuffed_title
from digest.extract.textlines import (
    BAD,
    CJK,
    GOOD,
    NEARGOOD,
    SHORT,
    Line,
    classify,
    headline_at,
    is_end,
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
# Photo credits on a line of their own: "Image: Courtesy of …", "Photo: Shutterstock".
_CREDIT = re.compile(
    r"^(?:image|photo|photograph|picture|credit|courtesy|illustration)s?(?: credits?)?\s*[:：]",
    re.I,
)
_ENDS_SENTENCE = re.compile(r"[.!?。！？…][\"”’)]*$")
# The cost of a line too short to judge that its neighbours made bad: half
# that of a bad line, as a table of specs or prices in a listicle is a run
# of them between the paragraphs of the article.
_SHORT_COST = -0.5
_BREADCRUMB = re.compile(r"^(?:home|homepage)\s*[/>»›]\s*(.+)$", re.I)


def _foreign(text: str, cjk_page: bool) -> bool:
    """A line in the wrong script for the page: spam in a Latin page, or vice versa."""
    cjk = len(CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return (not cjk_page and cjk > max(4, latin)) or (cjk_page and latin > 40 and cjk == 0)


_CONTINUES = re.compile(r"^(?:[^\W\d_]+(?=[\s,;.!?'’)-]|$)|[,;)\]…—–-])")  # no URL
_OPEN_END = re.compile(r"[^.!?。！？…:\"”’»)\]]$")
_CODE = re.compile(r"[{}]|;\s*$|^\s*(?://|#)")  # code keeps its lines
_JOIN_WORDS = 4  # a line this long cut off mid-sentence: menus are shorter


def rejoin(texts: list[str]) -> list[str]:
    """Lines of one paragraph joined again: the dump wrapped it at a width or
    broke it at an inline link. A line of a few words that ends in no
    sentence mark is continued by a next line that starts in lower case."""
    out: list[str] = []
    for text in texts:
        prev = out[-1] if out else ""
        if (
            prev
            and _OPEN_END.search(prev)
            and len(prev.split()) >= _JOIN_WORDS
            and _CONTINUES.match(text)
            and not text[:1].isupper()
            and not CJK.match(text)
            and not _CODE.search(prev)
            and not _CODE.search(text)
            and not is_dateline(text)
            and not byline_author(text)
        ):
            out[-1] = f"{prev} {text}"
        else:
            out.append(text)
    return out


def _value(line: Line, cls: str) -> float:
    """What a line adds to a run: prose by its length, chrome at a cost.

    Lines made good by their neighbours only (cells, items, subheadings)
    are carried along by the prose around them but add nothing themselves;
    short lines made bad cost less than lines bad on their own.
    """
    if cls == GOOD:
        if line.cls == GOOD:
            return min(line.weight, 80) / 10
        return 0.2 if line.cls == NEARGOOD else 0.0
    if line.trailer:
        return -3.0
    if line.chrome:
        return -2.0
    return -1.0 if line.cls == BAD else _SHORT_COST


def _heads(lines: list[Line], classes: list[str], i: int, end: int) -> bool:
    """A subheading inside the article: a short line right above a paragraph
    good on its own (jusText's heading rule), though its neighbours made it
    bad. Only inside the run: teaser titles over their summaries are alike."""
    return (
        lines[i].cls == SHORT
        and i + 1 < end
        and lines[i + 1].cls == GOOD
        and classes[i + 1] == GOOD
        and not lines[i].mark
        and not (i > 0 and lines[i - 1].chrome)  # a link under "Related:"
    )


def _items(lines: list[Line], start: int, end: int) -> set[int]:
    """The items of a list that a paragraph of the article introduces ("…
    options include:"): the short lines right after it, up to the next line
    that is not short. Only inside the run."""
    found: set[int] = set()
    for i in range(start, end - 1):
        if lines[i].cls != GOOD or not lines[i].text.endswith(":"):
            continue
        j = i + 1
        while j < end and lines[j].cls in (SHORT, NEARGOOD) and not lines[j].chrome:
            found.add(j)
            j += 1
    return found


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


# Good words of a candidate article after which an end heading ends it; a
# heading that may also stand above articles (tags, share) needs a whole one.
_READ, _READ_WEAK = 30, 100
# Words of prose after a byline that make a read article: once it has
# ended, later bylines are those of comments and teasers.
_CLOSED = 60
# ... and the value that makes an ended run an article (two full paragraphs,
# or one under a whole header): a pricing card's "Recommended" or a teaser's
# "Read next" after a few lines under a date closes nothing. 10 and 20 did
# worse (20 lost a short article to the teasers below it).
_CLOSED_TOTAL = 15.0
# A heading with a colon ("Related:", "More on Wharton:") over a box of
# links inside the article ends nothing when prose follows within this
# many lines: a listicle has one box per item.
_BOX_AFTER = 10
# "Related", "Read next" alone over a link or two inside the article ends
# nothing either when prose follows within this many lines; other end
# headings ("You may also like", comments) still end it.
_LINKS_BOX = re.compile(r"^(?:related|read next|read also|also read|see also)\W*$", re.I)
_LINKS_AFTER = 5
_SHARE_BAR = re.compile(r"^share (?:this|on)\b", re.I)
_PARAGRAPH = 30  # words of a line that is a paragraph of an article, not a teaser's line
# The cost of crossing a heading that may stand above an article.
_BARRIER = 3.0
# What a run gains for starting under a whole header (headline, then a
# byline or date) no more than _NEAR lines above it.
_HEADED, _NEAR = 8.0, 12


def _box(lines: list[Line], i: int, kind: int) -> bool:
    """Whether the end heading at ``i`` heads a box inside the article: links
    with prose after them, or a share bar between two parts of the text."""
    text = lines[i].text.rstrip()
    if kind == 1 and _SHARE_BAR.match(text):
        # A share bar between two parts of a long article: a paragraph follows.
        return any(line.cls == GOOD and line.weight >= _PARAGRAPH
                   for line in lines[i + 1 : i + 1 + _BOX_AFTER])
    if kind == 1 and text.endswith(":"):
        after = _BOX_AFTER
    elif kind == 2 and _LINKS_BOX.match(text):
        after = _LINKS_AFTER
    else:
        return False
    return any(line.cls == GOOD for line in lines[i + 1 : i + 1 + after])


def _article_span(
    lines: list[Line],
    classes: list[str],
    scores: list[float],
    echo: int,
    where: dict[str, list[int]],
) -> tuple[int, int]:
    """[start, end) of the article: the best run after the page top or a byline.

    Each date or byline line is a place an article may start (its header
    ends there). From each, the article runs to the first end-of-article
    heading ("related", "leave a comment") met once some of it has been
    read: a share row between the header and the text does not end it, nor
    does a box of links with prose right after it (:func:`_box`).
    Headings that also stand above articles (tags, share, "comments")
    only separate runs. Once an article has been read and ended (a run
    worth ``_CLOSED_TOTAL``), later starts are comment or teaser bylines.
    The best run over all starts wins;
    a run under a whole header (or under ``echo``, the page's title shown
    again as a headline) gains _HEADED.
    """
    kinds = [is_end(line) for line in lines]
    scores = [-_BARRIER if k == 1 else v for k, v in zip(kinds, scores, strict=True)]
    texts = [line.text for line in lines]
    boxes = [_box(lines, i, k) for i, k in enumerate(kinds)]
    marks = [i + 1 for i, line in enumerate(lines) if line.mark][:60]
    starts = sorted({0, *marks, *([echo + 1] if echo >= 0 else [])})
    best, span, closed = float("-inf"), (0, 0), len(lines)
    for start in starts:
        if start > closed:
            break
        seen, stop = 0.0, len(lines)
        for i in range(start, len(lines)):
            if kinds[i] and not boxes[i] and seen >= (_READ if kinds[i] == 2 else _READ_WEAK):
                stop = i
                break
            if classes[i] == GOOD and lines[i].cls == GOOD:
                seen += lines[i].weight
        s, e = _best_run(scores[start:stop])
        total = sum(scores[start + s : start + e])
        if start == echo + 1 and s <= _NEAR and total > 0:
            total += _HEADED
        elif start > 0 and s <= _NEAR and total > 0:
            head = read_header(texts, start + s, where=where)
            if head.headline and (head.author or head.date):
                total += _HEADED
        if start > 0 and seen >= _CLOSED and total >= _CLOSED_TOTAL and stop < closed:
            closed = stop
        if total > best:
            best, span = total, (start + s, start + e)
    return span


def extract_text_page(text: str, *, url: str | None = None) -> Extracted:
    """Find the article in a text dump; raise ExtractError when there is none."""
    raw = [" ".join(line.split()) for line in text.splitlines()]
    raw = [line for line in raw if _ALNUM.search(line)]
    if not raw:
        raise ExtractError("empty page")
    cjk_page = len(CJK.findall(text)) > len(_LATIN.findall(text))
    clean = [line for line in raw if not _foreign(line, cjk_page)]
    lines = make_lines(rejoin([line for line in clean if not is_stuffed_title(line)]))
    if not lines:
        raise ExtractError("no article text found (only spam or navigation)")
    classify(lines)
    for line in lines:
        line.mark = line.weight <= 30 and bool(is_dateline(line.text) or byline_author(line.text))
    classes = revise(lines)
    scores = [_value(line, c) for line, c in zip(lines, classes, strict=True)]
    # A dump saved with its page title on top: the title shown again lower
    # down is the headline. Menu words at the top are not a title.
    echo = headline_at([t for t in clean[:3] if headline_score(t) >= 1.5], lines)
    texts = [line.text for line in lines]
    where = places(texts)
    start, end = _article_span(lines, classes, scores, echo, where)
    items = _items(lines, start, end)
    kept = [
        i
        for i in range(start, end)
        if classes[i] == GOOD or i in items or _heads(lines, classes, i, end)
    ]
    if not kept or sum(lines[i].weight for i in kept) < 20:
        raise ExtractError("no article text found (navigation, listing or empty page)")
    # The first paragraph: prose, not a headline the run carried along.
    prose = [i for i in kept if lines[i].cls == GOOD]
    first = next(
        (i for i in prose if lines[i].weight >= 25 or _ENDS_SENTENCE.search(lines[i].text)),
        kept[0],
    )
    head = read_header(texts, first, where=where)
    kept = [i for i in kept if i >= head.end or i >= first]
    title = head.headline
    if 0 <= echo < first and first - echo <= _NEAR + 2:
        title = lines[echo].text
        head = replace(head, end=max(head.end, echo + 1))
    author, site = head.author, head.site
    section = caption = None
    for i in range(max(0, first - 30), first + 1):
        crumb = _BREADCRUMB.match(texts[i])
        if crumb:
            section = " / ".join(
                p.strip() for p in re.split(r"[/>»›]", crumb.group(1)) if p.strip()
            )
    body = [lines[i] for i in kept]
    # A photo caption opens the run: keep it, but as a caption.
    if body and _CAPTION.search(body[0].text):
        caption = body[0].text
        body = body[1:]
    elif first > 0 and _CAPTION.search(texts[first - 1]):
        caption = texts[first - 1]
    # The head and tail rules of HTML bodies: bylines and dates at the top,
    # the site speaking (contact, disclaimer, subscribe) at the bottom.
    while body and (body[0].mark or body[0].text == title):
        body = body[1:]
    # An article ends with prose: short lines after its last sentence are a
    # byline box, a sources list heading or a call to action.
    while body and (
        is_trailer_text(body[-1].text)
        or body[-1].cls == BAD
        or (body[-1].cls == SHORT and not _ENDS_SENTENCE.search(body[-1].text))
    ):
        body = body[:-1]
    body = [line for line in body if not _CREDIT.match(line.text)]
    paragraphs = [md_text(line.text) for line in body]
    if caption:
        paragraphs.insert(0, f"*{md_text(caption)}*")
    markdown = "\n\n".join(paragraphs)
    plain = markdown_to_text(markdown)
    if not plain:
        raise ExtractError("no article text found (navigation, listing or empty page)")
    offset = locale_offset(url, site)
    published = None
    if head.date is not None:
        when = head.date.when
        published = when if when.tzinfo or offset is None else when.replace(tzinfo=offset)
        published = published if plausible(published) else None
    return Extracted(
        title=title,
        markdown=markdown,
        text=plain,
        author=author,
        published=published,
        url=url,
        site_name=site,
        language=guess_language(plain),
        image_caption=caption,
        section=section,
    )
