"""Line classes for plain-text page dumps, in the style of jusText.

A copied page is a list of lines with no markup. Each line is first judged
on its own (``classify``): long lines dense in the page language's stopwords
that end like sentences are *good*, chrome vocabulary, dates, copyright and
blocks repeated elsewhere on the page are *bad*, and what is too short to
tell is *short* (or *near-good* when it is medium-long and reads like text).
Then ``revise`` decides the undecided lines from their neighbours, as
jusText does: a short line between good ones is part of the article (a
table cell, a list item, a subheading), one between bad ones is chrome.

``is_end`` tells the headings after which a page is no longer the article
("related", "leave a comment"; tag rows and share bars may also stand above
it), and ``headline_at`` finds the page title of a dump saved with one shown
again as the headline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from digest.extract.boilerplate import is_trailer_text

__all__ = [
    "BAD",
    "GOOD",
    "NEARGOOD",
    "SHORT",
    "Line",
    "classify",
    "headline_at",
    "is_end",
    "make_lines",
    "revise",
]

GOOD, NEARGOOD, SHORT, BAD = "good", "neargood", "short", "bad"

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+", re.U)
_SENTENCE_END = frozenset('.!?。！？…"”’»)]:')
_LIST_ITEMS, _LIST_WORDS = 3, 25  # a run of near-good lines this long is good
_TRAILER_WORDS = 30  # a line this long that names a newsletter is prose about one
_DOUBLED_WORDS = 4  # a shorter line printed twice may be a table's cells
_PROSE_TWICE = 300  # words of a repeated run that make it an article printed twice

# Page chrome: a short line that is (or starts with) one of these words.
_CHROME = re.compile(
    r"^(?:share|shares|tweet|e-?mail|print|menu|search|log ?in|log ?out|sign ?(?:in|up)|subscribe"
    r"|skip to|advertisement|sponsored|comments?|\d+ comments?|follow|more|next|previous|prev"
    r"|home(?![ \t]+\w)|close|reddit|pocket|flipboard|facebook|twitter|whatsapp|linkedin"
    r"|pinterest|instagram"
    r"|youtube|telegram|accept|cookies?|buy now|shop now|read more|load more|loading|view results"
    r"|back to top|scroll (?:back )?to top|cerca|buscar|rechercher|suche|compartir|partager"
    r"|teilen|condividi|compartilhe|copy link|all sharing options|advertise|contact|privacy"
    r"|terms|about us)\b",
    re.I,
)
# Headings after which a page is no longer the article.
_END = re.compile(
    r"^(?:related(?: \w+)?|more (?:from|on|in|about|stories|news|articles)\b.*|most (?:read|popular"
    r"|viewed|shared)\b.*|(?:you )?(?:may|might) (?:also )?(?:like|enjoy|be interested)\b.*"
    r"|recommended(?: for you| stories| articles)?|read (?:next|also)|also read|see also"
    r"|further reading|trending(?: now)?|popular (?:posts|stories|articles)|latest (?:news|posts)"
    r"|comments?|\d+ (?:comments?|responses?|replies|thoughts? on\b.*)|(?:one|two|three)"
    r" (?:comments?|responses?|thoughts? on\b.*)|leave a (?:comment|reply)\b.*|(?:add|post|write)"
    r" a comment|join the (?:discussion|conversation)|loading comments.*|show comments"
    r"|tags?|tags?\s*:.*|topics|categories\s*:?|share this(?: \w+)?(?: on \w+)?|share on \w+"
    r"|about the author|você (?:também )?pode gostar.*|leia (?:também|mais)|veja também"
    r"|not[ií]cias relacionadas|coment[aá]rios|deixe (?:um|seu|uma) (?:coment[aá]rio|resposta).*"
    r"|te puede interesar|noticias relacionadas|lee también|deja (?:un|tu) comentario"
    r"|lascia un commento|articoli correlati|potrebbe interessarti|leggi anche|commenti"
    r"|(?:à )?lire aussi|articles similaires|commentaires|vous aimerez aussi|sur le même sujet"
    r"|das könnte sie auch interessieren|mehr zum thema|kommentare|weitere artikel"
    r"|lesen sie auch|вам (?:также )?может быть интересно|похожие (?:записи|статьи|новости)"
    r"|читайте также|комментарии|(?:добавить|оставить) комментарий"
    r"|相关(?:文章|新闻|阅读)|热门(?:文章|新闻)|评论|関連記事)\W*$",
    re.I,
)
_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro"
    r"|enero|febrero|marzo|mayo|junio|julio|septiembre|octubre|noviembre|diciembre"
    r"|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
    r"|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
)
_DATE_WORD = re.compile(
    rf"^(?:\d+(?:st|nd|rd|th|h|pm|am)?|{_MONTH}|am|pm|at|on|de|às|as|a|the|of|et|est|edt|pst|pdt"
    r"|gmt|utc|cet|ist|updated|published|posted|last|modified|atualizado|publicado|em"
    r"|mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?"
    r"|sun(?:day)?|segunda|terça|quarta|quinta|sexta|feira|sábado|domingo|ago|hours?|minutes?"
    r"|days?|h|min)$",
    re.I,
)


_DATE_SHAPE = re.compile(
    rf"\b(?:{_MONTH})\b|\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{1,2}}:\d{{2}}|\b(?:19|20)\d\d\b",
    re.I,
)


_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")


@dataclass
class Line:
    text: str
    weight: float  # words, counting two CJK characters as one
    density: float | None  # share of stopwords; None where unknown (CJK)
    cls: str = SHORT
    chrome: bool = False  # share rows, menus, end-of-article headings
    trailer: bool = False  # the site speaking: copyright, contact, subscribe
    mark: bool = False  # a byline or date line: an article's header may end here


def weight(text: str) -> float:
    cjk = len(CJK.findall(text))
    words = _WORD.findall(CJK.sub(" ", text)) if cjk else _WORD.findall(text)
    return len(words) + cjk / 2


@lru_cache(maxsize=1)
def _stoplists() -> tuple[frozenset[str], ...]:
    """jusText's stopword lists, one per language."""
    try:
        import justext
    except ImportError:  # pragma: no cover - justext comes with trafilatura
        return ()
    return tuple(
        frozenset(word.lower() for word in justext.get_stoplist(name))
        for name in sorted(justext.get_stoplists())
    )


def stoplist_for(pages: list[list[str]]) -> frozenset[str]:
    """The stopwords of the page's language: the stoplist covering most of its words.

    ``pages`` holds each line's lower-cased words; prose lines vote.
    """
    counts: dict[str, int] = {}
    seen = 0
    for words in pages:
        if len(words) < 8:
            continue
        for word in words:
            counts[word] = counts.get(word, 0) + 1
        seen += len(words)
        if seen > 1500:
            break
    # Stopwords are a language's commonest words: the page's commonest decide.
    common = set(sorted(counts, key=counts.__getitem__, reverse=True)[:60])
    best, best_score = frozenset[str](), 0
    for stop in _stoplists():
        score = sum(counts[word] for word in common & stop)
        if score > best_score:
            best, best_score = stop, score
    return best


def _is_date(text: str) -> bool:
    if not _DIGIT.search(text) or not _DATE_SHAPE.search(text):
        return False
    words = re.findall(r"[^\W_]+", text)
    other = sum(not _DATE_WORD.match(w) for w in words)
    return 0 < len(words) <= 14 and other <= max(1, len(words) // 4)


def _repeated(lines: list[str]) -> set[int]:
    """Lines in a run of three or more that each show again far off on the page.

    Menus and tickers are printed at the head and again at the foot; an
    article's lines are not (one may be quoted alone in a teaser, and a list
    may repeat items close by, as product features do). A long run of prose
    shown again is the article printed for several layouts: the lines of its
    first copy stay, even where the copies follow one another.
    """
    far = max(30, len(lines) // 5)
    # A line's first and last places say whether any copy is far off: the
    # farthest copy is one of them (a list of every place made a page of
    # one line repeated n times cost n² steps).
    first_at: dict[str, int] = {}
    last_at: dict[str, int] = {}
    for i, text in enumerate(lines):
        first_at.setdefault(text, i)
        last_at[text] = i
    found: set[int] = set()
    run: list[int] = []
    for i, text in enumerate([*lines, ""]):
        if i < len(lines) and len(text.split()) < 2:
            continue  # numbers and one-word cells repeat in any table
        if i < len(lines) and max(i - first_at[text], last_at[text] - i) >= far:
            run.append(i)
            continue
        if len(run) >= 3:
            block = range(run[0], run[-1] + 1)
            first = sum(len(lines[k].split()) for k in block if first_at[lines[k]] == k)
            if first >= _PROSE_TWICE:  # the article printed again: its first copy stays
                found.update(k for k in block if first_at[lines[k]] != k)
            else:
                found.update(block)
        run = []
    return found


def _doubled(lines: list[str]) -> set[int]:
    """Lines printed twice in a row: an image's alt text over its caption, a
    teaser over its summary. An article does not say a sentence twice."""
    found: set[int] = set()
    for i in range(1, len(lines)):
        if lines[i] == lines[i - 1] and len(lines[i].split()) >= _DOUBLED_WORDS:
            found.update((i - 1, i))
    return found


def _title_case(text: str) -> bool:
    """A headline's capitals: most longer words after the first capitalised."""
    words = [w for w in _WORD.findall(text)[1:] if len(w) >= 4 and not w.isdigit()]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) * 3 > len(words) * 2


def make_lines(texts: list[str]) -> list[Line]:
    words = [_WORD.findall(t.lower()) for t in texts]
    stop = stoplist_for(words)
    any_cjk = any(CJK.search(t) for t in texts)
    lines = []
    for text, tokens in zip(texts, words, strict=True):
        if any_cjk and CJK.search(text):
            lines.append(Line(text, weight(text), None))
            continue
        density = sum(w in stop for w in tokens) / len(tokens) if stop and tokens else None
        lines.append(Line(text, float(len(tokens)), density if stop else None))
    return lines


def _data_row(text: str, w: float) -> bool:
    """A row of figures ("Weight: 9.1 ounces (257 grams) | Drop: 5 mm"): one
    word in four or more a number, which keyword lists do not have."""
    return len(_NUMBER.findall(text)) * 4 >= w


def classify(lines: list[Line]) -> None:
    """Context-free classes: good, near-good, short or bad."""
    texts = [line.text for line in lines]
    repeated = _repeated(texts)
    doubled = _doubled(texts)
    for i, line in enumerate(lines):
        w, d, text = line.weight, line.density, line.text
        end = text[-1:] in _SENTENCE_END
        if (w <= 5 and _CHROME.match(text)) or (w < 9 and _END.match(text)):
            line.cls, line.chrome = BAD, True
        elif i in repeated or i in doubled or w < 1 or (w <= 14 and _is_date(text)):
            line.cls = BAD
        elif w < _TRAILER_WORDS and is_trailer_text(text):
            line.cls, line.trailer = BAD, True
        elif d is None:  # no stoplist (CJK): length and punctuation only
            line.cls = GOOD if (w >= 12 and end) or w >= 25 else NEARGOOD if w >= 7 else SHORT
        elif w < 7:
            line.cls = SHORT
        elif (w >= 12 and end and d >= 0.2) or (w >= 25 and d >= 0.28):
            line.cls = GOOD
        elif (d >= 0.2 or (end and d >= 0.1)) and not (w < 15 and _title_case(text)):
            line.cls = NEARGOOD
        elif w >= 12 and d < 0.1 and not end and not _data_row(text, w):
            line.cls = BAD  # keyword lists and strings of headlines
        else:
            line.cls = SHORT
        if line.cls == GOOD and w >= _TRAILER_WORDS and is_trailer_text(text):
            line.cls = NEARGOOD  # prose about a newsletter, or the site at length
    # A list reads as text as a whole: a run of near-good items is good.
    run: list[Line] = []
    for line in [*lines, Line("", 0, None, BAD)]:
        if line.cls == NEARGOOD:
            run.append(line)
            continue
        if len(run) >= _LIST_ITEMS and sum(item.weight for item in run) >= _LIST_WORDS:
            for item in run:
                item.cls = GOOD
        run = []


def _neighbours(classes: list[str], edge: str, wanted: tuple[str, ...], step: int) -> list[str]:
    """For each line, the class of the nearest line in ``wanted`` in one direction."""
    out = [edge] * len(classes)
    order = range(len(classes)) if step > 0 else range(len(classes) - 1, -1, -1)
    last = edge
    for i in order:
        out[i] = last
        if classes[i] in wanted:
            last = classes[i]
    return out


def revise(lines: list[Line], head: str = BAD, tail: str = BAD) -> list[str]:
    """Context-sensitive classes (jusText's rules): only good and bad remain.

    ``head`` and ``tail`` are what lies beyond the first and last line: good
    when the lines start right after the headline.
    """
    classes = [line.cls for line in lines]
    sure, near = (GOOD, BAD), (GOOD, BAD, NEARGOOD)
    prev, nxt = _neighbours(classes, head, sure, 1), _neighbours(classes, tail, sure, -1)
    prev_n, next_n = _neighbours(classes, head, near, 1), _neighbours(classes, tail, near, -1)
    revised = list(classes)
    for i, c in enumerate(classes):
        if c != SHORT:
            continue
        if prev[i] == nxt[i]:
            revised[i] = prev[i]
        elif (prev[i], prev_n[i]) == (BAD, NEARGOOD) or (nxt[i], next_n[i]) == (BAD, NEARGOOD):
            revised[i] = GOOD
        else:
            revised[i] = BAD
    prev, nxt = _neighbours(revised, head, sure, 1), _neighbours(revised, tail, sure, -1)
    return [
        (BAD if prev[i] == nxt[i] == BAD else GOOD) if c == NEARGOOD else c
        for i, c in enumerate(revised)
    ]


_TITLE_SEP = re.compile(r"\s+[|–—-]\s+|\s*[|｜]\s*|\s+::\s+")


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def headline_at(first: list[str], lines: list[Line]) -> int:
    """Index of the headline: the page title (first lines) shown again, or -1."""
    heads = set()
    for title in first:
        parts = [p for p in _TITLE_SEP.split(title) if p.strip()]
        for part in [title, *parts[:1], *parts[-1:]]:
            if weight(part) >= 2:
                heads.add(_fold(part))
    if not heads:
        return -1
    # The article's prose follows its headline: most of the page's good
    # text lies below the line (a site name repeated in the footer fails).
    good = [line.weight if line.cls == GOOD else 0.0 for line in lines]
    total, before = sum(good), 0.0
    for i, line in enumerate(lines):
        before += good[i]
        if (
            i >= len(first)
            and line.weight <= 40
            and before * 2 < total
            and _fold(line.text) in heads
        ):
            return i
    return -1


# End headings that also sit above articles (a tag row, a share bar, a
# comment link under the byline): they separate, but end nothing alone.
_WEAK_END = re.compile(
    r"^(?:comments?|tags?|tags?\s*:.*|topics:?|categories\s*:?|share this(?: \w+)?(?: on \w+)?"
    r"|share on \w+|\d+ (?:comments?|responses?|replies))\W*$",
    re.I,
)


# The heading of a comment section that names the article, of any length:
# "59 Comments on “Starship Troopers”", "12 thoughts on “…”", "3 responses to “…”".
_COMMENTS_ON = re.compile(
    r"^(?:\d+|one|two|three) (?:comments?|responses?|replies|thoughts?) (?:on|to) [“\"'‘]", re.I
)


def is_end(line: Line) -> int:
    """2 for a heading after which the page is no longer the article (related
    stories, comment forms), 1 for one that may also stand above it, else 0."""
    if _COMMENTS_ON.match(line.text):
        return 2
    if line.weight >= 9 or not _END.match(line.text):
        return 0
    # "Related:", "Also read:" introduce a box of links inside the article.
    return 1 if _WEAK_END.match(line.text) or line.text.rstrip().endswith(":") else 2
