"""YAML read safely, with lines: the one loader for ``digest.yml`` and front matter.

``yaml.safe_load`` constructs no arbitrary objects, but it still lets a few
hundred bytes cost gigabytes or a traceback. This loader has libyaml (when
PyYAML has it) compose the node graph, in which an alias is one shared node,
so the graph is no bigger than the text; it measures the graph in one pass
before anything expands it, and refuses:

- aliases that expand to more than ``MAX_ALIAS_NODES`` nodes in all (a
  "billion laughs" bomb is refused before anything expands it; recursive
  aliases are refused outright);
- nesting deeper than ``MAX_DEPTH`` (no RecursionError later);
- duplicate keys in a mapping (the second ``sources:`` would silently drop
  the first list);
- NaN and infinite numbers (``timeout: .nan`` passes every ``<`` check);
- more than one document.

Every refusal is one error, of the class the caller names, reading
``name:line: problem``. :class:`Checker` then validates the data against a
schema, collecting every problem with its key path and line.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Collection, Mapping
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, SequenceNode
from yaml.resolver import Resolver

from digest.errors import DigestError

__all__ = ["MAX_ALIAS_NODES", "MAX_DEPTH", "Checker", "KeyPath", "Report", "format_path",
           "load_yaml", "type_name", "unknown_keys"]

MAX_DEPTH = 64  # nested mappings and lists; digest's own files need fewer than ten
MAX_ALIAS_NODES = 10_000  # nodes that aliases may repeat, in all
KeyPath = tuple[str | int | float | bool, ...]
Report = Callable[[KeyPath, str], None]

_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"

try:  # libyaml's parser: the same YAML, several times faster
    from yaml._yaml import CParser as _Parser

    def _parser_init(loader: Any, text: str) -> None:
        _Parser.__init__(loader, text)

    _PARSER_BASES: tuple[type, ...] = (_Parser,)
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    def _parser_init(loader: Any, text: str) -> None:
        Reader.__init__(loader, text)
        Scanner.__init__(loader)
        _PyParser.__init__(loader)
        Composer.__init__(loader)

    _PARSER_BASES = (Reader, Scanner, _PyParser, Composer)


def _problem(mark: Any, message: str) -> ComposerError:
    return ComposerError(None, None, message, mark)


def _measure(root: Node) -> None:
    """Refuse a graph nested too deep, holding a cycle, or whose aliases expand too far.

    One pass over the distinct mappings and lists (iterative, so no recursion
    limit is met): each one's depth and expanded size (an aliased node counted
    as often as it appears) are computed once, from its children's.
    """
    if not isinstance(root, MappingNode | SequenceNode):
        return
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    written = 0  # nodes as the text writes them: each collection once, each scalar use
    entered: set[int] = set()
    stack: list[Node] = [root]
    while stack:
        node = stack[-1]
        key = id(node)
        if key in size:
            stack.pop()
            continue
        items = [p for pair in node.value for p in pair] if isinstance(node, MappingNode) \
            else node.value
        kids = [k for k in items if isinstance(k, MappingNode | SequenceNode)]
        if key not in entered:
            entered.add(key)
            for kid in kids:
                if id(kid) in entered and id(kid) not in size:  # an ancestor: a cycle
                    raise _problem(kid.start_mark, "an alias refers to itself (a node "
                                   "inside its own anchor)")
                if id(kid) not in size:
                    stack.append(kid)
            continue
        stack.pop()
        scalars = len(items) - len(kids)
        size[key] = 1 + scalars + sum(size[id(k)] for k in kids)
        depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
        written += 1 + scalars
        if depth[key] > MAX_DEPTH:
            raise _problem(node.start_mark, f"nested more than {MAX_DEPTH} levels deep")
        if size[key] - written > MAX_ALIAS_NODES:
            raise _problem(node.start_mark, "aliases expand to more than "
                           f"{MAX_ALIAS_NODES:,} nodes (an alias bomb?)")


class _Loader(*_PARSER_BASES, SafeConstructor, Resolver):  # type: ignore[misc]
    """libyaml's parser and composer, the graph checked, then safe constructors."""

    def __init__(self, text: str) -> None:
        _parser_init(self, text)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)

    # -- composing ----------------------------------------------------------

    def compose_single(self) -> Node | None:
        """The document's node graph (composed by libyaml), checked before anything walks it.

        An alias is the same node object in two places, so the graph stays as
        small as the text; what would explode is any walk that expands it.
        """
        if not self.check_node():
            return None
        try:
            node: Node = self.get_node()
        except RecursionError:  # the pure-Python composer recurses per level
            raise _problem(None, f"nested more than {MAX_DEPTH} levels deep") from None
        if self.check_node():
            raise _problem(self.get_node().start_mark,
                           "holds more than one YAML document ('---' inside)")
        _measure(node)
        return node

    # -- constructing ---------------------------------------------------------

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue  # "<<: *defaults" may be overridden by the keys beside it
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: the base class says so
                if first is not None:
                    raise ConstructorError(None, None, f"duplicate key {key!r} (first on line "
                                           f"{first})", key_node.start_mark)
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_finite_float(self, node: Any) -> float:
        value = self.construct_yaml_float(node)
        if not math.isfinite(value):
            raise ConstructorError(None, None, f"{node.value!r}: NaN and infinite numbers "
                                   "are not allowed", node.start_mark)
        return value


_Loader.add_constructor(_FLOAT, _Loader.construct_finite_float)


def _lines(loader: _Loader, node: Node, path: KeyPath, out: dict[KeyPath, int]) -> None:
    """Each key path's line, walking the graph the constructor has just built."""
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key = loader.constructed_objects.get(key_node)
            if not isinstance(key, str | int | float | bool):
                key = str(key)
            out.setdefault((*path, key), key_node.start_mark.line + 1)
            _lines(loader, value_node, (*path, key), out)
    elif isinstance(node, SequenceNode):
        for index, child in enumerate(node.value):
            _lines(loader, child, (*path, index), out)


def load_yaml(text: str, name: str, error: type[DigestError], *, first_line: int = 1,
              lines: bool = True) -> tuple[Any, dict[KeyPath, int]]:
    """The data of one YAML document and a key path → line map (empty without ``lines``).

    Raises ``error("name:line: …")`` for invalid YAML or anything this module
    refuses. ``first_line`` is the line of ``text``'s first line in the file
    (front matter starts on line 2).
    """
    loader = _Loader(text)
    try:
        node = loader.compose_single()
        if node is None:
            return None, {}
        data = loader.construct_object(node, deep=True)
        where: dict[KeyPath, int] = {}
        if lines:
            _lines(loader, node, (), where)
    except yaml.MarkedYAMLError as exc:
        # The context mark points at what was left open (an unclosed bracket),
        # which is where the user must look; the problem mark may be the end.
        mark = exc.context_mark or exc.problem_mark
        at = f":{mark.line + first_line}" if mark is not None else ""
        problem = exc.problem or str(exc).splitlines()[0]
        raise error(f"{name}{at}: {_describe(exc, problem)}") from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        # A value no constructor can hold (a 5,000-digit number, year 0).
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise error(f"{name}: not valid YAML: {detail}") from None
    finally:
        loader.dispose()
    if first_line != 1:
        where = {path: line + first_line - 1 for path, line in where.items()}
    return data, where


def _describe(exc: yaml.MarkedYAMLError, problem: str) -> str:
    if isinstance(exc, ComposerError | ConstructorError):
        return problem
    return f"not valid YAML: {problem}"


# --- validation -------------------------------------------------------------


def format_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def type_name(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "empty"}
    return names.get(type(value), type(value).__name__)


def _suggest(key: Any, known: set[str]) -> str | None:
    match = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
    return match[0] if match else None


def unknown_keys(value: Mapping[Any, Any], known: Collection[str], path: KeyPath,
                 report: Report, *, listed: bool = False) -> None:
    """Report each key of ``value`` not in ``known``, with the likely intended one.

    ``listed`` adds the allowed keys to the message, for small fixed sets such
    as a tag's own keys, where the list is the quickest help.
    """
    for key in value:
        if key in known:
            continue
        hint = _suggest(key, set(known))
        notes = [f"did you mean {hint!r}?"] if hint else []
        if listed:
            notes.append(f"expected {', '.join(known)}")
        report((*path, key), "unknown key" + (f" ({'; '.join(notes)})" if notes else ""))


class Checker:
    """Collects problems, each with its file, line and key path, instead of stopping."""

    def __init__(self, name: str, lines: Mapping[KeyPath, int]) -> None:
        self.name = name
        self.lines = lines
        self.problems: list[tuple[int, str]] = []

    def where(self, path: KeyPath) -> str:
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line = self.lines.get(probe)
        return f"{self.name}:{line}" if line else self.name

    def report(self, path: KeyPath, message: str) -> None:
        where = self.where(path)
        line = int(where.rpartition(":")[2]) if where != self.name else 0
        self.problems.append((line, f"{where}: {format_path(path)}: {message}"))

    def sorted_problems(self) -> tuple[str, ...]:
        return tuple(text for _, text in sorted(self.problems, key=lambda p: p[0]))

    def mapping(self, value: Any, path: KeyPath, known: set[str] | None) -> dict[str, Any]:
        """``value`` as a mapping (empty when it is not one); unknown keys reported."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.report(path, f"must be a mapping, not {type_name(value)}")
            return {}
        if known is not None:
            unknown_keys(value, known, path, self.report)
        return value

    def typed(self, data: Mapping[str, Any], path: KeyPath, key: str,
              kind: type | tuple[type, ...], default: Any) -> Any:
        if key not in data or data[key] is None:
            return default
        value = data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int to Python, never to a user writing "yes" for a number
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(k.__name__ for k in kinds)
            self.report((*path, key), f"must be {names}, not {type_name(value)}")
            return default
        return value

    def positive(self, data: Mapping[str, Any], path: KeyPath, key: str, default: Any,
                 kind: type | tuple[type, ...] = int, maximum: float | None = None) -> Any:
        value = self.typed(data, path, key, kind, default)
        if value is not default and value <= 0:
            self.report((*path, key), f"must be greater than 0, not {value}")
            return default
        if value is not default and maximum is not None and value > maximum:
            self.report((*path, key), f"must be at most {maximum:g}, not {value}")
            return default
        return value
