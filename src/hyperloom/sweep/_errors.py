"""Errors of sweep files: every one names file:line:column and shows the line with a caret,
so a user can fix a file without guessing where the parser stopped. `SweepError` and
`SweepSyntaxError` are defined in `hyperloom.exceptions`; here are the source text they quote
and the position-only error raised deep inside evaluation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..exceptions import SweepError, SweepSyntaxError


@dataclass(frozen=True)
class Source:
    """The text of one sweep file and the name used in messages (its path, or `<string>`)."""

    text: str
    name: str = "<string>"
    path: str | None = None
    _lines: list[str] = field(default_factory=list, compare=False, repr=False)
    _digest: list[str] = field(default_factory=list, compare=False, repr=False)

    def digest(self) -> str:
        """A short hash of the text (computed once: configs of a big file share it)."""
        if not self._digest:
            self._digest.append(hashlib.sha1(self.text.encode("utf-8", "surrogatepass"))
                                .hexdigest())
        return self._digest[0]

    def line(self, number: int) -> str:
        if not self._lines:
            self._lines.extend(self.text.splitlines())
        if 1 <= number <= len(self._lines):
            return self._lines[number - 1]
        return ""


class NodeError(Exception):
    """Raised deep inside evaluation with a position only; the caller adds the file."""

    def __init__(self, message: str, pos: tuple[int, int] | None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos

    def to_sweep_error(self, source: Source | None) -> SweepError:
        line, column = self.pos if self.pos else (None, None)
        return SweepError(self.message, source, line, column)


__all__ = ["NodeError", "Source", "SweepError", "SweepSyntaxError"]
