"""The naming rule: a template takes the identifier it is assigned or passed to (`alpha =`,
`batch_size=`, `Dropout(`), then `_1`, `_2` for repeats in source order; a template with no
identifier before it is named by position among such templates (`p0`, `p1`, ...)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def assign_names(hints: Sequence[str | None]) -> list[str]:
    """Names for templates with these identifier hints, given in source order."""
    seen: Counter[str] = Counter()
    taken: set[str] = set()
    positional = 0
    names = []
    for hint in hints:
        if hint is None:
            name = f"p{positional}"
            positional += 1
        else:
            repeat = seen[hint]
            seen[hint] += 1
            name = hint if repeat == 0 else f"{hint}_{repeat}"
        while name in taken:  # e.g. a user identifier `Dropout_1` next to two `Dropout(...)`
            name += "_"
        taken.add(name)
        names.append(name)
    return names
