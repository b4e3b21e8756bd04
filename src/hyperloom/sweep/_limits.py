"""How big a sweep value, expression or grid may get, and the size of a result estimated from
its operands, so that `(10 ** 10000) ** 10000` or `'%0999999999d' % 1` is refused in
microseconds instead of computing for minutes or allocating gigabytes."""

from __future__ import annotations

import math
import re
from typing import Any

#: Digits of an integer: Python will not write a longer one as text (sys.int_max_str_digits),
#: and Gin reads every value from text.
MAX_INT_DIGITS = 4300
#: Characters of one value written as Gin text ('a' * 10 ** 6 is the longest string).
MAX_TEXT = 1_000_000
#: Values of one sweep (`range`, `linspace`, `repeat`, ...).
MAX_VALUES = 10_000_000
#: Configs that may be listed at once (expand, `hyperloom sweep`/`run`, a grid turned into
#: categorical parameters); iter_configs has no limit.
MAX_CONFIGS = 1_000_000


def too_many_configs(count: int) -> str | None:
    """Why `count` configs cannot be listed, with the way to sample them instead."""
    if count <= MAX_CONFIGS:
        return None
    return (f"this sweep has {count:,} configs, more than the {MAX_CONFIGS:,} that can be listed; "
            "sample it instead: write the swept keys as distributions (`key: choice([...])`) "
            "and run `hyperloom run FILE --sampler tpe --n-trials N`")
#: Nesting of brackets and operators, and of macros referring to macros (Python allows 200
#: parentheses; each level costs several stack frames when evaluated and written).
MAX_DEPTH = 100

_LOG10_2 = 0.30103


class TooLarge(OverflowError):
    """A result over a limit, refused before it is computed."""


def int_digits(n: int) -> int:
    """Decimal digits of `n`, from its bit length (never builds the text)."""
    return int(abs(n).bit_length() * _LOG10_2) + 1


def text_size(value: Any, budget: int = MAX_TEXT) -> int:
    """About how many characters `value` takes as Gin text; stops counting past `budget`, so
    that measuring a huge shared structure costs no more than the limit."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return int_digits(value) + 1
    if isinstance(value, (list, tuple, dict)):
        items = value.items() if isinstance(value, dict) else ((v,) for v in value)
        total = 2
        for item in items:
            for v in item:
                total += text_size(v, budget - total) + 2
            if total > budget:
                break
        return total
    return 24  # a float (or anything else that is one token)


def check_int(digits: int) -> None:
    if digits > MAX_INT_DIGITS:
        raise TooLarge(f"the result is too large: about {digits:,} digits, and Gin text holds "
                       f"integers of at most {MAX_INT_DIGITS:,}")


def check_text(size: int) -> None:
    if size > MAX_TEXT:
        raise TooLarge(f"the result is too large: about {size:,} characters, and one value may "
                       f"take at most {MAX_TEXT:,}")


def _is_int(x: Any) -> bool:
    return isinstance(x, int)


def _is_seq(x: Any) -> bool:
    return isinstance(x, (str, bytes, list, tuple))


def check_pow(a: Any, b: Any) -> None:
    if _is_int(a) and _is_int(b) and b > 0 and abs(a) > 1:
        check_int(int(math.log10(abs(a)) * b) + 1)


def check_mul(a: Any, b: Any) -> None:
    if _is_int(a) and _is_int(b):
        check_int(int_digits(a) + int_digits(b))
    for seq, n in ((a, b), (b, a)):
        if _is_seq(seq) and _is_int(n) and n > 1:
            check_text(text_size(seq, MAX_TEXT // n + 1) * n - (n - 1) * _brackets(seq))


def _brackets(seq: Any) -> int:
    return 0 if isinstance(seq, (str, bytes)) else 2


def check_lshift(a: Any, b: Any) -> None:
    if _is_int(a) and _is_int(b) and b > 0 and a:
        check_int(int_digits(a) + int(b * _LOG10_2))


def check_add(a: Any, b: Any) -> None:
    if _is_seq(a) and _is_seq(b):
        check_text(text_size(a) + text_size(b))


# `%[(key)][flags][width][.precision][length]type`, as printf-style formatting reads it.
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)", re.S)


def check_format(fmt: Any, args: Any) -> None:
    """`'%0999999999d' % 1` and `'%*d' % (10 ** 9, 1)`: widths and precisions are counted
    before Python allocates them."""
    if not isinstance(fmt, (str, bytes)):
        return
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt
    rest = list(args) if isinstance(args, tuple) else None
    total = len(text)
    for m in _CONVERSION.finditer(text):
        for spec in (m.group(1), m.group(2)):
            total += _width(spec, rest)
        if m.group(3) == "%":
            continue
        if rest is None:
            total += text_size(args)
        elif rest:
            total += text_size(rest.pop(0))
        if total > MAX_TEXT:
            break
    check_text(total)


def _width(spec: str | None, rest: list[Any] | None) -> int:
    if not spec:
        return 0
    if spec == "*":
        n = rest.pop(0) if rest else 0
        return abs(n) if _is_int(n) else 0
    return int(spec) if len(spec) <= 9 else MAX_TEXT + 1
