"""The topic taxonomy: the rule model, its validation, the default rules.

A taxonomy (``tags:`` in digest.yml, default in ``digest/data/taxonomy.yml``)
maps tag names to weighted phrases, groups that must co-occur (anywhere, or
in the same paragraph as the phrases that score), phrases that never count,
words whose other sense their neighbours tell, where a match counts how
much, and a length-relative threshold.
The schema is documented at the top of the default file.
Finding phrases fast is :mod:`digest.tags.matcher`'s business, deciding and
explaining :mod:`digest.tags.classify`'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from digest.schema import KeyPath, Report, format_path, unknown_keys
from digest.tags.text import WORD

__all__ = [
    "Group",
    "Phrase",
    "Sense",
    "TagDef",
    "Taxonomy",
    "Threshold",
    "Where",
    "default_taxonomy",
    "default_taxonomy_yaml",
    "parse_taxonomy",
]


_TAG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TAG_KEYS = ("title", "description", "phrases", "ignore", "unless_near", "require", "where",
             "threshold", "learned")
_WHERE = ("title", "lead", "body")
_THRESHOLD = ("base", "per_1000_words")
_GROUP_KEYS = ("min", "within", "phrases")
_WITHIN = ("article", "paragraph")


@dataclass(frozen=True)
class Phrase:
    """One phrase and what a match of it adds to the tag's score."""

    text: str
    weight: float = 1.0


@dataclass(frozen=True)
class Group:
    """Phrases of which at least ``min`` matches must occur for the tag to fire.

    With ``within="paragraph"`` the tag's phrases also count only in the
    paragraphs that hold one of the group's phrases (the title belongs to the
    first paragraph), so words spread over a long article that is not about
    the group's subject do not add up.
    """

    name: str
    phrases: tuple[str, ...]
    min: int = 1
    within: str = "article"  # or "paragraph"


@dataclass(frozen=True)
class Sense:
    """A word with another sense that its neighbours tell: a match of one of the
    tag's one-word phrases that is this word (``label``, or ``label*`` for any
    ending) does not count where one of ``near`` stands within five words of it
    ("record label", "trains and platforms")."""

    word: str
    near: tuple[str, ...]


@dataclass(frozen=True)
class Where:
    """How much a match counts in the title, the lead and the rest of the body."""

    title: float = 3.0
    lead: float = 2.0
    body: float = 1.0


@dataclass(frozen=True)
class Threshold:
    """The score a tag needs: ``base`` plus ``per_1000_words`` for each 1,000 words."""

    base: float = 6.0
    per_1000_words: float = 3.0

    def needed(self, words: float) -> float:
        return self.base + self.per_1000_words * words / 1000.0


@dataclass(frozen=True)
class TagDef:
    """One tag: what readers see (title, description) and the rules that assign it."""

    name: str
    title: str
    description: str = ""
    phrases: tuple[Phrase, ...] = ()
    ignore: tuple[str, ...] = ()
    require: tuple[Group, ...] = ()
    where: Where = Where()
    threshold: Threshold = Threshold()
    unless_near: tuple[Sense, ...] = ()
    # Whether the learned layer (digest.tags.learned) may overrule the
    # threshold, for a tag it has weights for.
    learned: bool = True


@dataclass(frozen=True)
class Taxonomy:
    """The tags in the order they are listed (and reported)."""

    tags: tuple[TagDef, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tags)

    def get(self, name: str) -> TagDef | None:
        return next((t for t in self.tags if t.name == name), None)



# --- the default taxonomy ---------------------------------------------------------


def default_taxonomy_yaml() -> str:
    """The packaged default taxonomy, comments included (``digest init`` embeds it)."""
    return resources.files("digest").joinpath("data/taxonomy.yml").read_text(encoding="utf-8")


@cache  # immutable, and sharing it shares the compiled matcher too
def default_taxonomy() -> Taxonomy:
    """The packaged default taxonomy; a broken packaged file is a bug, so it raises."""
    import yaml

    # libyaml's safe loader when present: this runs at every start of digest.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(default_taxonomy_yaml(), Loader=loader)  # a safe loader
    problems: list[str] = []
    taxonomy = parse_taxonomy(raw, lambda p, m: problems.append(f"{format_path(p)}: {m}"))
    if problems:
        raise ValueError("invalid packaged taxonomy: " + "; ".join(problems))
    return taxonomy


# --- validation -----------------------------------------------------------------


def parse_taxonomy(raw: object, report: Report, path: KeyPath = ("tags",)) -> Taxonomy:
    """Validate raw YAML data into a Taxonomy, reporting every problem with its key path.

    Nothing raises: each problem goes to ``report`` and the bad part is left
    out, so one run shows the user every mistake at once.
    """
    if not isinstance(raw, Mapping):
        report(path, "expected a mapping of tag names to tag definitions")
        return Taxonomy()
    tags = []
    pages: dict[str, str] = {}
    for name, body in raw.items():
        where = (*path, str(name))
        if not isinstance(name, str) or not _TAG_NAME.match(name):
            report(where, "a tag name uses lower-case letters, digits, '-' and '_'")
            continue
        # The site's page for "a_b" is tags/a-b/: two such names would share it.
        page = "-".join(re.findall(r"[a-z0-9]+", name))
        if page in pages:
            report(where, f"shares its page tags/{page}/ with tag {pages[page]!r}; rename one")
            continue
        pages[page] = name
        tag = _parse_tag(name, body, report, where)
        if tag is not None:
            tags.append(tag)
    return Taxonomy(tuple(tags))


def _parse_tag(name: str, raw: object, report: Report, path: KeyPath) -> TagDef | None:
    if not isinstance(raw, Mapping):
        report(path, "expected a mapping with title, description and phrases")
        return None
    unknown_keys(raw, _TAG_KEYS, path, report, listed=True)
    ok = True
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        report((*path, "title"), "missing or empty: a tag needs a title (a string)")
        ok = False
    description = raw.get("description", "")
    if not isinstance(description, str):
        report((*path, "description"), "expected a string")
        description = ""
    if "phrases" not in raw:
        report((*path, "phrases"), "missing: a tag needs weighted phrases")
        ok = False
    phrases = _parse_phrases(raw.get("phrases", {}), report, (*path, "phrases"))
    ignore = _parse_list(raw.get("ignore", []), report, (*path, "ignore"))
    require = _parse_groups(raw.get("require", {}), report, (*path, "require"))
    senses = _parse_senses(raw.get("unless_near", {}), phrases, require, report,
                           (*path, "unless_near"))
    where = Where(**_parse_floats(raw.get("where", {}), _WHERE, report, (*path, "where")))
    limit = raw.get("threshold", {})
    if isinstance(limit, int | float) and not isinstance(limit, bool):
        limit = {"base": limit}  # a bare number is the base; the length part keeps its default
    threshold = Threshold(**_parse_floats(limit, _THRESHOLD, report, (*path, "threshold")))
    _check_duplicates(phrases, ignore, report, path)
    learned = raw.get("learned", True)
    if not isinstance(learned, bool):
        report((*path, "learned"), "expected true or false")
        learned = True
    if not ok:
        return None
    assert isinstance(title, str)
    return TagDef(name, title.strip(), description.strip(), phrases, ignore, require,
                  where, threshold, senses, learned)


def _parse_phrases(raw: object, report: Report, path: KeyPath) -> tuple[Phrase, ...]:
    if not isinstance(raw, Mapping):
        report(path, "expected a mapping of weight to a list of phrases, e.g. {3: [TikTok]}")
        return ()
    out: list[Phrase] = []
    for weight, items in raw.items():
        key = (*path, weight if isinstance(weight, int | str) else str(weight))
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight == 0:
            report(key, "a weight is a non-zero number (negative weights weaken)")
            continue
        out.extend(Phrase(p, float(weight)) for p in _parse_list(items, report, key))
    return tuple(out)


def _parse_list(raw: object, report: Report, path: KeyPath) -> tuple[str, ...]:
    if not isinstance(raw, list):
        report(path, "expected a list of phrases")
        return ()
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            report((*path, i), "a phrase is a string")
            continue
        problem = _phrase_problem(str(item))
        if problem:
            report((*path, i), problem)
        else:
            out.append(str(item).strip())
    return tuple(out)


def _phrase_problem(phrase: str) -> str | None:
    text = phrase.strip()
    if text.startswith("re:"):
        try:
            compiled = re.compile(text[3:].strip(), re.IGNORECASE)
        except re.error as exc:
            return f"bad regular expression: {exc}"
        if compiled.match(""):
            return "this regular expression matches empty text"
        return None
    if not any(c.isalnum() for c in text):
        return "a phrase needs at least one letter or digit"
    if "*" in text.rstrip("*") or text.endswith("**"):
        return "'*' may only end a phrase (tariff* = tariff, tariffs, ...)"
    return None


def _parse_groups(raw: object, report: Report, path: KeyPath) -> tuple[Group, ...]:
    if not isinstance(raw, Mapping):
        report(path, "expected a mapping of group name to phrases, e.g. {us: [US], china: [China]}")
        return ()
    out = []
    for name, body in raw.items():
        where = (*path, str(name))
        minimum: object = 1
        within: object = "article"
        items: object = body
        if isinstance(body, Mapping):
            unknown_keys(body, _GROUP_KEYS, where, report, listed=True)
            minimum, items = body.get("min", 1), body.get("phrases")
            within = body.get("within", "article")
            if items is None:
                report((*where, "phrases"), "missing: a group needs phrases")
                continue
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
            report((*where, "min"), "expected a whole number of at least 1")
            minimum = 1
        if within not in _WITHIN:
            report((*where, "within"), f"expected {' or '.join(_WITHIN)} (where the tag's "
                   "phrases count: anywhere, or only in paragraphs holding this group)")
            within = "article"
        listed = _parse_list(items, report, (*where, "phrases") if isinstance(body, Mapping)
                             else where)
        if listed:
            out.append(Group(str(name), listed, minimum, str(within)))
    return tuple(out)


# One word as the matcher sees words, maybe a prefix: an unless_near key, or a
# word of the phrases near which it has another sense.
_WORD = re.compile(WORD.pattern + r"\*?")


def _parse_senses(
    raw: object, phrases: tuple[Phrase, ...], groups: tuple[Group, ...], report: Report,
    path: KeyPath,
) -> tuple[Sense, ...]:
    """``unless_near``: a mapping of a word of the tag's one-word phrases (or several,
    separated by commas) to the words near which it has another sense."""
    if not isinstance(raw, Mapping):
        report(path, "expected a mapping of a word to the words that give it another "
               "sense, e.g. {platform*: [train*, station*]}")
        return ()
    singles = [p.text for p in phrases] + [p for g in groups for p in g.phrases]
    singles = [p.lower() for p in singles if _WORD.fullmatch(p.strip())]
    out = []
    for words, near in raw.items():
        where = (*path, str(words))
        listed = _parse_list(near, report, where)
        bad = [n for n in listed if n.startswith("re:") or not _words_only(n)]
        for n in bad:
            report(where, f"{n!r}: the words near which it has another sense are plain "
                   "words, maybe ending in '*'")
        good = tuple(n for n in listed if n not in bad)
        for word in str(words).split(","):  # "revenue*, profit*": one list for both
            key = word.strip().lower()
            if not _WORD.fullmatch(key) or key.rstrip("*").isdigit():
                report(where, "a key is one word, maybe ending in '*', or several separated "
                       "by commas (label, platform*)")
            elif not any(sense_covers(key, p) for p in singles):
                report(where, f"{key!r} matches none of the tag's one-word phrases "
                       "(in phrases or require)")
            elif good:
                out.append(Sense(key, good))
    return tuple(out)


def _words_only(phrase: str) -> bool:
    return all(_WORD.fullmatch(w) for w in phrase.replace("-", " ").split())


def sense_covers(key: str, phrase: str) -> bool:
    """Whether a match of the one-word phrase can be a word the key names (both
    lower-case; either may end in '*'), so the sense check applies to it."""
    k, p = key.rstrip("*"), phrase.rstrip("*")
    if phrase.endswith("*"):
        return k.startswith(p) or (key.endswith("*") and p.startswith(k))
    return p.startswith(k) if key.endswith("*") else p == k


def _parse_floats(
    raw: object, fields: tuple[str, ...], report: Report, path: KeyPath
) -> dict[str, float]:
    """A mapping of some of ``fields`` to numbers of 0 or more (``where``, ``threshold``)."""
    if not isinstance(raw, Mapping):
        report(path, f"expected a mapping of {', '.join(fields)} to numbers")
        return {}
    values: dict[str, float] = {}
    unknown_keys(raw, fields, path, report, listed=True)
    for key, value in raw.items():
        if key not in fields:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            report((*path, key), "expected a number of 0 or more")
        else:
            values[key] = float(value)
    return values


def _check_duplicates(
    phrases: tuple[Phrase, ...], ignore: tuple[str, ...], report: Report, path: KeyPath
) -> None:
    # The same phrase twice would make its weight depend on list order.
    seen: set[str] = set()
    for text in [p.text for p in phrases] + list(ignore):
        key = " ".join(text.lower().split())
        if key in seen:
            report((*path, "phrases"), f"phrase {text!r} is listed twice")
        seen.add(key)
