"""The one rule for study names, the same on every storage."""

from __future__ import annotations

MAX_STUDY_NAME = 512  # the width of the name column of the SQL schema


def check_study_name(name: str) -> str:
    """`name` if every storage can keep it; otherwise a ValueError naming the fix (a raw
    driver error on PostgreSQL, or a name that works in memory but not in a file, otherwise)."""
    if not isinstance(name, str):
        raise TypeError(f"study_name must be a string, got {type(name).__name__}")
    if not name:
        raise ValueError("study_name must not be empty: pass a name such as 'mnist-lr', or "
                         "leave study_name out for a generated one")
    if len(name) > MAX_STUDY_NAME:
        raise ValueError(f"study_name is {len(name)} characters long, over the limit of "
                         f"{MAX_STUDY_NAME}: pass a shorter name")
    if "\x00" in name:
        raise ValueError(f"study_name contains a NUL character at position {name.index(chr(0))},"
                         " which databases cannot store: remove it")
    return name
