"""Parse tree -> statements and value nodes: the rule methods of the parser's transformer.

Lark calls the method named after each grammar rule (or alias) with the node's children, from
the leaves up. The methods live in two mixins, statements and expressions, that know nothing
of lark; `_parser` makes the lark Transformer from them at the first parse."""

from __future__ import annotations

import ast as _pyast
import re
from typing import Any

from ..space import constructor_names
from . import _ast as A
from ._errors import NodeError
from ._nodes import Call, Func, Lit, Macro, Node, Ref
from ._precedence import Chain
from ._values import make_binary, make_dict, make_list, make_unary

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
KEY_RE = re.compile(rf"^(?:{_IDENT}/)*{_IDENT}(?:\.{_IDENT})*$")
_KWARG_RE = re.compile(rf"^{_IDENT}$")

#: Bare functions of the sweep language (everything else bare is a mistake: Gin needs `@`),
#: with the distribution constructors of `hyperloom.space.constructors`.
SWEEP_FUNCTIONS = ("range", "linspace", "logspace", "geomspace")


def _function_names() -> tuple[str, ...]:
    """Read on each use, so that a constructor registered after import is known too."""
    return SWEEP_FUNCTIONS + constructor_names()


def _pos(x: Any) -> tuple[int, int] | None:
    """The (line, column) of a token, a node or a statement, for error messages."""
    if isinstance(x, Node):
        return x.pos
    line = getattr(x, "line", None)
    if line is not None:
        return (line, getattr(x, "column", 1))
    pos = getattr(x, "pos", None)
    return pos if isinstance(pos, tuple) else None


def check_key(token: Any, what: str = "key") -> str:
    """The text of a Gin key (or prefix, macro or reference name), or a NodeError naming it."""
    key = str(token)
    if not KEY_RE.match(key):
        raise NodeError(f"{key!r} is not a valid Gin {what}: write `scope/pkg.Configurable.param` "
                        "(identifiers separated by dots, scopes by slashes)", _pos(token))
    return key


class StatementRules:
    """Rule methods for the statements of a file: bindings, sweeps, includes and blocks.
    Each takes the list of its node's children (tokens, or what the rules below returned)."""

    def start(self, items):
        _includes_first(items)
        header = [s for s in items if isinstance(s, (A.Include, A.Import))]
        return A.File(A.Block("product", items, (1, 1)), header)

    def assign(self, items):
        name, _, value = items
        return A.Assign(check_key(name), value, _pos(name))

    def sweep(self, items):
        name, _, value = items
        return A.SweepStmt(check_key(name), value, _pos(name))

    def include(self, items):
        kw, path = items
        value = _string_value([path])
        if not isinstance(value, str):
            raise NodeError("include needs a text path", _pos(path))
        return A.Include(value, _pos(kw))

    def import_(self, items):
        kw, name = items
        if "/" in name:
            raise NodeError(f"{str(name)!r} is not a module name", _pos(name))
        return A.Import(str(name), _pos(kw))

    def product(self, items):
        return A.Block("product", items[2:], _pos(items[0]))

    def union(self, items):
        return A.Block("union", items[2:], _pos(items[0]))

    def with_(self, items):
        prefix = check_key(items[1], "prefix")
        return A.With(prefix, items[3:], _pos(items[0]))

    def table(self, items):
        kw, keys, _ = items[:3]
        return A.Table([k for k, _ in keys], [p for _, p in keys], items[3:], _pos(kw))

    def table_keys(self, items):
        return [(check_key(t), _pos(t)) for t in items if t.type == "NAME"]

    def row(self, items):
        return A.Row(list(items), _pos(items[0]))


class ExpressionRules:
    """Rule methods for values: operator chains, literals, references, calls and brackets."""

    def expr(self, items):
        if len(items) == 1 and isinstance(items[0], Node):
            return items[0]
        return Chain(items).parse()

    def nots(self, items):
        return (len(items) - 1, items[-1], _pos(items[0]))

    def binop(self, items):
        text = " ".join(str(t) for t in items)
        return ("!=" if text == "<>" else text, _pos(items[0]))  # `<>`: Hyperion's `!=`

    def power(self, items):
        left, op, right = items
        return make_binary(str(op), left, right, _pos(left), strict=False)

    def factor(self, items):
        op, operand = items
        return make_unary(str(op), operand, _pos(op), strict=False)

    def number(self, items):
        (tok,) = items
        text = str(tok)
        try:
            value = _number_value(text)
        except (SyntaxError, ValueError):
            raise NodeError(f"{text!r} is not a valid number", _pos(tok)) from None
        if isinstance(value, complex):
            raise NodeError(f"{text} is a complex number, which Gin cannot read", _pos(tok))
        if isinstance(value, float) and value in (float("inf"), float("-inf")):
            raise NodeError(f"{text} is too large for a float (it would be inf, which Gin "
                            "cannot read)", _pos(tok))
        return Lit(value, _pos(tok))

    def string(self, items):
        return Lit(_string_value(items), _pos(items[0]))

    def true(self, items):
        return Lit(True, _pos(items[0]) if items else None)

    def false(self, items):
        return Lit(False, _pos(items[0]) if items else None)

    def none(self, items):
        return Lit(None, _pos(items[0]) if items else None)

    def macro(self, items):
        (tok,) = items
        name = str(tok)[1:]
        check_key(name, "macro name")
        return Macro(name, _pos(tok))

    def ref(self, items):
        (tok,) = items
        return Ref(_ref_name(tok), _pos(tok))

    def call(self, items):
        tok = items[0]
        kwargs = list(items[2:-1])
        for name, _, pos in kwargs:
            if name is None:
                raise NodeError(f"Gin calls take keyword arguments only: write "
                                f"`@{str(tok)[1:]}(name=value)`", pos)
        _no_duplicates(kwargs)
        return Call(_ref_name(tok), tuple((k, v) for k, v, _ in kwargs), _pos(tok))

    def bare_name(self, items):
        (tok,) = items
        raise NodeError(_bare_name_message(str(tok)), _pos(tok))

    def func(self, items):
        tok = items[0]
        name = str(tok)
        if name not in _function_names():
            raise NodeError(_unknown_function_message(name), _pos(tok))
        args, kwargs = [], []
        for kind, value, pos in items[2:-1]:
            if kind is None:
                if kwargs:
                    raise NodeError("positional argument after keyword argument", pos)
                args.append(value)
            else:
                kwargs.append((kind, value, pos))
        _no_duplicates(kwargs)
        return Func(name, tuple(args), tuple((k, v) for k, v, _ in kwargs), _pos(tok))

    def arg(self, items):
        if len(items) == 1:
            return (None, items[0], _pos(items[0]))
        return _keyword_arg(items)

    def list(self, items):
        return make_list(items[1:-1], _pos(items[0]))

    def tuple(self, items):
        return make_list(items[1:-1], _pos(items[0]), tuple_=True)

    def paren(self, items):
        return items[1]

    def dict(self, items):
        return make_dict(items[1:-1], _pos(items[0]))

    def pair(self, items):
        key, _, value = items
        return (key, value)


_DECIMAL = re.compile(r"^(0|[1-9](_?[0-9])*)$")


def _number_value(text: str) -> Any:
    if _DECIMAL.match(text):
        return int(text)
    if text[-1] not in "jJ" and text[:2].lower() not in ("0x", "0o", "0b") and \
            any(c in text for c in ".eE"):
        return float(text)
    return _pyast.literal_eval(text)


def _string_value(tokens: list[Any]) -> Any:
    parts = []
    for tok in tokens:
        try:
            parts.append(_pyast.literal_eval(str(tok)))
        except (SyntaxError, ValueError) as exc:
            raise NodeError(f"invalid string literal: {exc.msg if isinstance(exc, SyntaxError) else exc}",
                            _pos(tok)) from None
    if len({type(p) for p in parts}) > 1:
        raise NodeError("cannot join text and bytes literals", _pos(tokens[0]))
    return parts[0] if len(parts) == 1 else parts[0][:0].join(parts)


def _nearest_function(name: str) -> str | None:
    import difflib

    close = difflib.get_close_matches(name, _function_names(), n=1, cutoff=0.75)
    return close[0] if close else None


def _unknown_function_message(name: str) -> str:
    nearest = _nearest_function(name)
    if nearest is not None:
        return (f"unknown function {name!r}: did you mean `{nearest}`? (a Gin reference is "
                f"written `@{name}(...)`)")
    known = ", ".join(_function_names())
    return (f"unknown function {name!r}: Gin references are written `@{name}(...)`; the sweep "
            f"functions are {known}")


_GIN_CONSTANTS = {"true": "True", "false": "False", "none": "None", "null": "None"}


def _bare_name_message(name: str) -> str:
    """Why a bare name is not a value, and what the user probably meant."""
    if name.lower() in _GIN_CONSTANTS:
        return (f"{name!r} is not a value: Gin spells its constants True, False and None; "
                f"write {_GIN_CONSTANTS[name.lower()]}")
    if name in _function_names() or _nearest_function(name):
        return f"{name!r} is a function: call it, e.g. `{_nearest_function(name) or name}(...)`"
    return (f"{name!r} is not a value: write '{name}' for text, @{name} for a Gin reference or "
            f"%{name} for a macro")


def _includes_first(stmts: list) -> None:
    """Includes come first (Hyperion's rule): every config is written with its includes at the
    top, so one written after a binding would silently be read before that binding."""
    seen_binding = False
    for stmt in stmts:
        if isinstance(stmt, A.Include) and seen_binding:
            raise NodeError("`include` must come before the first binding of the file (each "
                            "config is written with its includes first); move it to the top",
                            stmt.pos)
        seen_binding = seen_binding or not isinstance(stmt, (A.Include, A.Import))


def _keyword_arg(items: list[Any]) -> tuple[str, Node, Any]:
    """`name = value` in a call: (name, value, position), the name checked."""
    name, _, value = items
    if not _KWARG_RE.match(str(name)):
        raise NodeError(f"{str(name)!r} is not a valid argument name", _pos(name))
    return (str(name), value, _pos(name))


def _ref_name(tok: Any) -> str:
    name = str(tok)[1:]
    check_key(name, "reference")
    return name


def _no_duplicates(kwargs: list[tuple[str, Node, Any]]) -> None:
    seen: set[str] = set()
    for name, _, pos in kwargs:
        if name in seen:
            raise NodeError(f"argument {name!r} is given twice", pos)
        seen.add(name)
