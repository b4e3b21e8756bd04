"""Text -> statements. Lark (LALR) does the parsing; a small post-lexer (`_layout`) turns
indentation into block tokens, the rule methods of `_to_ast` build the statements, and the
errors lark raises become messages with file:line:column. `lark` is imported at the first
parse only, so `import hyperloom.sweep` stays light."""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

from . import _ast as A
from ._errors import NodeError, Source, SweepSyntaxError
from ._grammar import GRAMMAR
from ._layout import Layout, LayoutError
from ._to_ast import ExpressionRules, StatementRules

_READABLE = {
    "_NL": "end of line", "_INDENT": "indent", "_DEDENT": "dedent", "$END": "end of file",
    "NAME": "a key or name", "MACRO": "a %macro", "REF": "an @reference", "NUMBER": "a number",
    "STRING": "a string", "EQUAL": "'='", "COLON": "':'", "LPAR": "'('", "RPAR": "')'",
    "LSQB": "'['", "RSQB": "']'", "LBRACE": "'{'", "RBRACE": "'}'", "COMMA": "','",
}

_PARSER: Any = None
_LAYOUT: Any = None
# Lark keeps the post-lexer's state on the instance: one parse at a time.
_LOCK = threading.Lock()


def _parser() -> Any:
    global _PARSER, _LAYOUT
    if _PARSER is None:
        from lark import Lark
        from lark.lexer import Token

        _LAYOUT = Layout(Token)
        _PARSER = Lark(GRAMMAR, parser="lalr", postlex=_LAYOUT, transformer=_transformer(),
                       maybe_placeholders=False)
    return _PARSER


def _transformer() -> Any:
    """The lark Transformer made of the rule mixins; the parser runs it as it reduces each rule,
    so no parse tree is built."""
    from lark import Transformer

    return type("ToAst", (StatementRules, ExpressionRules, Transformer), {})()


def parse(source: Source) -> A.File:
    """Parse a whole sweep file; any error is a SweepSyntaxError/SweepError with file:line:col."""
    try:
        import lark  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("sweep files need lark: pip install 'hyperloom[sweep]'") from None
    text = source.text.rstrip() + "\n"
    with _LOCK:
        return _parse_locked(source, text)


def _parse_locked(source: Source, text: str) -> A.File:
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

    parser = _parser()
    try:
        return parser.parse(text)
    except VisitError as exc:  # pragma: no cover - inline transformers raise directly
        if not isinstance(exc.orig_exc, NodeError):
            raise
        raise exc.orig_exc.to_sweep_error(source) from None
    except NodeError as exc:
        raise exc.to_sweep_error(source) from None
    except LayoutError as exc:
        raise SweepSyntaxError(exc.message, source, exc.line, exc.column) from None
    except UnexpectedToken as exc:
        raise _unclosed(source, text) or _token_error(exc, source) from None
    except UnexpectedCharacters as exc:
        raise _unclosed(source, text) or _character_error(exc, source, text) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark errors
        raise SweepSyntaxError(str(exc).splitlines()[0], source, getattr(exc, "line", None),
                               getattr(exc, "column", None)) from None


def _character_error(exc: Any, source: Source, text: str) -> SweepSyntaxError:
    char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
    return SweepSyntaxError(f"unexpected character {char!r}", source, exc.line, exc.column)


def _terminal_text(name: str) -> str:
    if name in _READABLE:
        return _READABLE[name]
    try:
        pattern = _PARSER.get_terminal(name).pattern
    except (KeyError, AttributeError):  # pragma: no cover
        return name.lower()
    return repr(pattern.value) if pattern.type == "str" else name.lower()


def _unclosed(source: Source, text: str) -> SweepSyntaxError | None:
    """When parsing stopped inside brackets that the rest of the file never closes, the
    useful place to point at is the opening bracket (as Python does)."""
    opened = _LAYOUT.open
    if not opened:
        return None
    never = _never_closed(text)
    for tok in reversed(opened):
        if tok.start_pos in never:
            return SweepSyntaxError(f"{str(tok)!r} was never closed", source, tok.line,
                                    tok.column)
    return None


_OPENER = {")": "(", "]": "[", "}": "{"}


def _never_closed(text: str) -> set[int]:
    """The offsets of the opening brackets that nothing after them closes (a closer that
    matches no opener is passed over; brackets in strings and comments do not count)."""
    stack: list[int] = []
    for m in _brackets().finditer(text):
        b = m.group("b")
        if b is None:
            continue
        if b in _OPENER:
            if stack and text[stack[-1]] == _OPENER[b]:
                stack.pop()
        else:
            stack.append(m.start())
    return set(stack)


@functools.cache
def _brackets() -> re.Pattern:
    """Strings (as the grammar reads them), comments and brackets, compiled at first use."""
    string = re.search(r"^STRING: /(.*)/s$", GRAMMAR, re.M).group(1)  # type: ignore[union-attr]
    return re.compile(rf"(?P<s>{string})|#[^\n]*|(?P<b>[()\[\]{{}}])", re.S)


def _token_error(exc: Any, source: Source) -> SweepSyntaxError:
    tok = exc.token
    expected = set(exc.expected)
    line, column = exc.line, exc.column
    if tok.type == "_INDENT":
        return SweepSyntaxError("unexpected indent", source, tok.line, tok.column)
    if expected == {"_INDENT"}:
        return SweepSyntaxError("expected an indented block after ':'", source, tok.line,
                                tok.column)
    if tok.type == "$END":
        return SweepSyntaxError("unexpected end of file", source, line, column)
    what = _READABLE.get(tok.type) if tok.type.startswith(("_", "$")) else repr(str(tok))
    wanted = sorted({_terminal_text(e) for e in expected})
    hint = " (a block header ends with ':')" if tok.type == "_NL" and "COLON" in expected else ""
    msg = f"unexpected {what}{hint}"
    if 0 < len(wanted) <= 6:
        msg += f"; expected {', '.join(wanted)}"
    return SweepSyntaxError(msg, source, tok.line, tok.column)

