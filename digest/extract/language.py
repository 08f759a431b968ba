"""The language of an article's text, for pages and feeds that do not declare one.

Scripts settle most of the world's languages at once (Han, kana, Hangul,
Cyrillic, Arabic, Hebrew, Greek, Thai, Devanagari). Latin and Cyrillic text
is told apart by its stopwords: the language whose commonest words cover the
largest share of the text, with jusText's stoplists (they come with
trafilatura). Too little text to tell gives ``und``, BCP 47's
"undetermined", so that every article carries a language tag.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

__all__ = ["UNDETERMINED", "guess_language"]

UNDETERMINED = "und"

# jusText's stoplist names for the languages we tell apart by stopwords.
_STOPLISTS = {
    "English": "en", "German": "de", "French": "fr", "Spanish": "es", "Portuguese": "pt",
    "Italian": "it", "Dutch": "nl", "Swedish": "sv", "Danish": "da", "Norwegian_Bokmal": "no",
    "Finnish": "fi", "Polish": "pl", "Czech": "cs", "Slovak": "sk", "Hungarian": "hu",
    "Romanian": "ro", "Croatian": "hr", "Serbian": "sr", "Slovenian": "sl", "Turkish": "tr",
    "Indonesian": "id", "Malay": "ms", "Vietnamese": "vi", "Tagalog": "tl", "Catalan": "ca",
    "Estonian": "et", "Latvian": "lv", "Lithuanian": "lt", "Russian": "ru", "Ukrainian": "uk",
    "Bulgarian": "bg", "Swahili": "sw", "Afrikaans": "af", "Welsh": "cy", "Irish": "ga",
}  # fmt: skip
_SCRIPTS = [
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
]
_WORD = re.compile(r"[^\W\d_]+", re.U)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, tuple[str, ...]]:
    """Each stopword → the languages it is a stopword of."""
    try:
        import justext
    except ImportError:  # pragma: no cover - justext comes with trafilatura
        return {}
    index: dict[str, list[str]] = {}
    for name, code in _STOPLISTS.items():
        for word in {w.lower() for w in justext.get_stoplist(name)}:
            index.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in index.items()}


def guess_language(text: str) -> str:
    """An ISO 639-1 code for the text, or ``und`` when it is too short to tell."""
    sample = text[:6000]
    letters = len(_WORD.findall(sample))
    counts = {code: len(script.findall(sample)) for code, script in _SCRIPTS}
    # Kana settles Japanese even among more Han; Hangul settles Korean.
    if counts["ko"] > 20 and counts["ko"] >= counts["zh"]:
        return "ko"
    if counts["ja"] > 20:
        return "ja"
    if counts["zh"] > 40 and counts["zh"] > letters:
        return "zh"
    for code in ("ar", "he", "el", "th", "hi"):
        if counts[code] > 40:
            return code
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 8:
        return UNDETERMINED
    cyrillic = len(_CYRILLIC.findall(sample)) * 2 > len(sample)
    index = _stopwords()
    covered: Counter[str] = Counter()
    for word, n in Counter(words).items():
        for code in index.get(word, ()):
            covered[code] += n
    shares = [(n / len(words), code) for code, n in covered.items()
              if cyrillic == (code in ("ru", "uk", "bg", "sr"))]
    share, best = max(shares, default=(0.0, UNDETERMINED))
    return best if share >= 0.15 else UNDETERMINED
