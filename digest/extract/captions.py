"""Figure captions: set aside before extraction, put back under their images after.

Captions describe an image; left in the page they are scored as prose by the
extractor (and often cut).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from digest.extract.boilerplate import _drop, _text

__all__ = ["attach_captions", "take_captions"]


def _image_key(src: str | None) -> str | None:
    """Images are matched by file name: trafilatura rewrites scheme and host."""
    if not src:
        return None
    name = urlsplit(src.strip()).path.rsplit("/", 1)[-1]
    return name or None


def take_captions(tree: Any) -> dict[str, str]:
    """Remove figure captions from the page, returning them by image file name."""
    captions: dict[str, str] = {}
    for cap in _captions(tree):
        if cap.getparent() is None:
            continue
        text = _text(cap)
        holder = _image_holder(cap)
        if holder is not None and text:
            for img in holder.iter("img"):
                for attr in ("src", "data-src", "data-original"):
                    key = _image_key(img.get(attr))
                    if key:
                        captions.setdefault(key, text)
        if holder is not None or cap.tag == "figcaption":
            _drop(cap)
    return captions


def _captions(tree: Any) -> list[Any]:
    """Every figcaption, and every div, p or span whose class says caption
    (many CMSs use a div), in document order.

    The XPath ``//figcaption | //*[self::div or self::p or self::span]
    [contains(@class, 'caption')]`` finds the same, at more than twice the
    cost: lxml filters these tags in C and only their class is read here.
    """
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    return [
        el
        for el in root.iter("figcaption", "div", "p", "span")
        if el.tag == "figcaption" or "caption" in (el.get("class") or "")
    ]


def _image_holder(cap: Any) -> Any:
    """The element holding the image a caption belongs to, if any."""
    node = cap
    for _ in range(3):
        parent = node.getparent()
        if parent is None:
            return None
        if parent.tag == "figure":
            return parent
        prev = node.getprevious()
        while prev is not None and prev.tag is etree.Comment:
            prev = prev.getprevious()
        if prev is not None and (prev.tag == "img" or prev.find(".//img") is not None):
            return prev
        node = parent
    return None


def attach_captions(root: Any, captions: dict[str, str]) -> None:
    """Wrap each image that has a caption in <figure> with its <figcaption>."""
    if not captions:
        return
    for img in list(root.iter("img")):
        key = _image_key(img.get("src"))
        if not key or key not in captions:
            continue
        figure = etree.Element("figure")
        figure.tail = img.tail
        img.tail = None
        img.addprevious(figure)
        figure.append(img)
        figcaption = etree.SubElement(figure, "figcaption")
        figcaption.text = captions.pop(key)
