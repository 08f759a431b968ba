"""URL canonicalisation: one spelling per story, so that dedup can compare URLs.

Two levels, because not every rewrite is safe to *fetch*:

- :func:`canonicalize` gives the URL that is stored as ``canonical_url`` and
  that may be fetched: case of scheme and host, default ports, fragments,
  tracking parameters and AMP variants are normalised. Every rewrite here
  names the same resource on every site we know of.
- :func:`url_keys` adds looser *matching keys* (``www.``/``m.``/``amp.`` host
  prefixes dropped, trailing slash dropped, http = https). They are only ever
  compared against stored aliases, never fetched, so a wrong guess costs at
  most a missed dedup, never a broken link.

Both are idempotent: applying them to their own output changes nothing.

One fragment is kept: ``#entry-<12 hex digits>``, which digest itself gives a
feed entry that has no link (the feed's URL plus a hash of the entry). It is
that entry's identity; dropped, every link-less entry of a feed would be one
story.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = ["canonicalize", "host_of", "url_keys"]

# Query parameters that only say how a reader arrived: dropping them never
# changes the page. Compared case-insensitively on the decoded name.
_TRACKING_EXACT = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "igshid", "igsh", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
    "oly_enc_id", "vero_id", "rb_clickid", "s_cid", "ref_src", "ref_url", "cmpid", "ncid",
    "spm", "share_token", "ito", "wt_mc", "wt.mc_id", "xtor", "__twitter_impression",
    "_ga", "_gl", "amp_js_v", "usqp",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_")
# Values of these parameters that mark an AMP variant; other values are kept.
_AMP_VALUES = {"amp": {"", "1", "true", "yes"}, "outputtype": {"amp"}}
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters that may stay unescaped in a path or query (RFC 3986 pchar + '/?').
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HOST_VARIANTS = ("www.", "m.", "mobile.", "amp.")
_OWN_FRAGMENT = re.compile(r"entry-[0-9a-f]{12}")  # see digest.ingest.workers._entry_url


def _normalise_escapes(part: str, safe: str) -> str:
    """Escape what must be escaped; upper-case escapes; un-escape unreserved ones."""
    quoted = quote(part, safe=safe)
    # A "%" that starts no escape is a literal percent sign; left bare, the
    # un-escaping below could make it start one ("%%44" -> "%D"), and a second
    # pass would then read something else (found by fuzzing).
    quoted = _BARE_PERCENT.sub("%25", quoted)

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        if char == "%":
            return "%25"
        return char if char in _UNRESERVED else f"%{match.group(1).upper()}"

    return _PERCENT.sub(fix, quoted)


_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _strip_amp_path(path: str) -> str:
    # Loop to a fixed point so that canonicalize stays idempotent for /amp/amp/.
    while True:
        before = path
        if path.endswith(".amp.html"):
            path = path[: -len(".amp.html")] + ".html"
        if re.search(r"/amp/?$", path) and path not in ("/amp", "/amp/"):
            path = re.sub(r"/amp/?$", "/", path)
        if path == before:
            return path


def _keep_param(pair: str) -> bool:
    name, _, value = pair.partition("=")
    key = unquote(name).strip().lower()
    if not key:
        return False
    if key in _AMP_VALUES:
        return unquote(value).strip().lower() not in _AMP_VALUES[key]
    return key not in _TRACKING_EXACT and not key.startswith(_TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """The canonical spelling of an http(s) URL; other strings come back stripped."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if not host:  # "http://../x": no host to name (found by fuzzing)
        return url
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    netloc = f"{userinfo}@{host}" if userinfo else host
    path = _strip_amp_path(_normalise_escapes(parts.path or "/", _SAFE_PATH)) or "/"
    pairs = [p for p in parts.query.split("&") if p and _keep_param(p)]
    query = "&".join(_normalise_escapes(p, _SAFE_QUERY) for p in pairs)
    return urlunsplit((scheme, netloc, path, query, _own_fragment(parts.fragment)))


def _own_fragment(fragment: str) -> str:
    return fragment if _OWN_FRAGMENT.fullmatch(fragment) else ""


def url_keys(url: str) -> tuple[str, ...]:
    """The canonical URL plus looser keys that identify the same story for matching."""
    canonical = canonicalize(url)
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return (canonical,)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return (canonical,)
    host = parts.netloc.rpartition("@")[2]
    for prefix in _HOST_VARIANTS:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
            break
    path = parts.path.rstrip("/") or "/"
    loose = urlunsplit(("https", host, path, parts.query, _own_fragment(parts.fragment)))
    return (canonical,) if loose == canonical else (canonical, loose)


def host_of(url: str) -> str:
    """The lower-case host name of a URL ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
