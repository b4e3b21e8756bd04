"""Indentation -> block tokens: the post-lexer between lark's lexer and parser. It is given
lark's `Token` class rather than importing it, so that this module loads without lark."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._limits import MAX_DEPTH

TAB_LEN = 4
_CLOSERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}


class LayoutError(Exception):
    """A layout mistake (bad dedent, unmatched or too deep brackets) at a line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class Layout:
    """Turns indentation into _INDENT/_DEDENT tokens and drops newlines inside brackets.
    Lark keeps one instance per parser: its state is that of the parse in progress."""

    always_accept = ("_NL",)

    def __init__(self, token: type) -> None:
        self._token = token
        self.open: list[Any] = []  # open bracket tokens; error messages read them after a parse
        self._levels = [0]

    def process(self, stream: Iterator[Any]) -> Iterator[Any]:
        self.open, self._levels = [], [0]
        last = None
        for tok in stream:
            if tok.type == "_NL":
                if not self.open:
                    yield tok
                    yield from self._indentation(tok)
                continue
            last = tok
            yield tok
            self._track_bracket(tok)
        yield from self._end(last)

    def _indentation(self, newline: Any) -> Iterator[Any]:
        """An _INDENT, or the _DEDENTs, for the indentation that follows a newline."""
        indent_str = newline.rsplit("\n", 1)[1]
        indent = indent_str.count(" ") + indent_str.count("\t") * TAB_LEN
        line, column = newline.end_line, len(indent_str) + 1
        at = (newline.end_pos, line, column, line, column, newline.end_pos)
        levels = self._levels
        if indent > levels[-1]:
            levels.append(indent)
            if len(levels) > MAX_DEPTH:
                raise LayoutError(f"blocks nest more than {MAX_DEPTH} levels deep; flatten them",
                                  line, column)
            yield self._token("_INDENT", indent_str, *at)
            return
        while indent < levels[-1]:
            levels.pop()
            yield self._token("_DEDENT", "", *at)
        if indent != levels[-1]:
            raise LayoutError("this line's indentation matches no enclosing block; indent it "
                              "like the lines above", line, column)

    def _track_bracket(self, tok: Any) -> None:
        if tok.type in _CLOSERS:
            self.open.append(tok)
            if len(self.open) > MAX_DEPTH:
                raise LayoutError(f"brackets nest more than {MAX_DEPTH} levels deep; name inner "
                                  "values with macros", tok.line, tok.column)
        elif tok.type in _CLOSERS.values():
            if not self.open or _CLOSERS[self.open[-1].type] != tok.type:
                raise LayoutError(f"unmatched {str(tok)!r}", tok.line, tok.column)
            self.open.pop()

    def _end(self, last: Any) -> Iterator[Any]:
        """At the end of the text: no bracket left open, and a _DEDENT per open block."""
        if self.open:
            tok = self.open[-1]
            raise LayoutError(f"{str(tok)!r} was never closed", tok.line, tok.column)
        line = (last.end_line if last is not None else 1) + 1
        for _ in self._levels[1:]:
            yield self._token("_DEDENT", "", 0, line, 1, line, 1, 0)
