"""Errors of sweep files: every one names file:line:column and shows the line with a caret,
so a user can fix a file without guessing where the parser stopped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


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


class SweepError(ValueError):
    """A sweep file is valid syntax but means nothing sensible (or cannot be turned into Gin)."""

    def __init__(self, message: str, source: Source | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        self.message = message
        self.file = source.name if source is not None else None
        self.line = line
        self.column = column
        self.source_line = source.line(line) if source is not None and line else ""
        super().__init__(self._format())

    def _format(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}" if self.file else self.message
        where = f"{self.file or '<string>'}:{self.line}:{self.column or 1}"
        out = f"{where}: {self.message}"
        if self.source_line:
            caret = " " * (max(1, self.column or 1) - 1) + "^"
            # Tabs keep their width in the caret line so that the caret sits under the column.
            prefix = "".join(c if c == "\t" else " " for c in self.source_line[:len(caret) - 1])
            out += f"\n    {self.source_line}\n    {prefix}^"
        return out


class SweepSyntaxError(SweepError):
    """The text is not in the sweep language (unexpected character, token or indentation)."""


class NodeError(Exception):
    """Raised deep inside evaluation with a position only; the caller adds the file."""

    def __init__(self, message: str, pos: tuple[int, int] | None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos

    def to_sweep_error(self, source: Source | None) -> SweepError:
        line, column = self.pos if self.pos else (None, None)
        return SweepError(self.message, source, line, column)
