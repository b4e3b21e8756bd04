"""`@tweaks` and `@node`: plain functions that build lazy call nodes inside an aggregator.

Outside an aggregator a decorated function is still the plain function (missing tweaked
arguments take their defaults), so it stays testable on its own.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from hyperloom.space import Distribution

from ._building import BuildContext, current, require
from ._errors import GraphError
from ._nodes import Call


class TweakedFunction:
    """A function with tweaks (argument -> distribution) and their defaults."""

    def __init__(self, fn: Callable[..., Any], specs: dict[str, Distribution],
                 defaults: dict[str, Any], share: bool) -> None:
        self.fn, self.specs, self.defaults, self.share = fn, _in_signature_order(fn, specs), \
            defaults, share
        self.name = getattr(fn, "__name__", type(fn).__name__)
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        ctx = current()
        if ctx is None:
            missing = {k: v for k, v in self.defaults.items() if k not in kwargs}
            return self.fn(*args, **missing, **kwargs)
        if args:
            raise GraphError(f"{self.name}() inside an aggregator takes keyword arguments only "
                             f"(got {len(args)} positional); write {self.name}(name=value, ...) "
                             "or graph.call(fn) << [...]")
        return build_call(ctx, self.fn, self.name, [], kwargs, self.specs, self.defaults,
                          self.share)


def _in_signature_order(fn: Callable[..., Any], specs: dict[str, Any]) -> dict[str, Any]:
    """Tweaks in the order of the function's parameters, whatever the decorators' order."""
    try:
        order = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # some builtins and classes have no signature
        return dict(specs)
    return dict(sorted(specs.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order
                       else len(order)))


def build_call(ctx: BuildContext, fn: Callable[..., Any], name: str, args: list[Any],
               kwargs: dict[str, Any], specs: dict[str, Distribution],
               defaults: dict[str, Any], share: bool) -> Call:
    """A call node: unbound tweaked arguments and Distribution-valued ones become tweaks
    `<site>.<argument>`; an explicitly bound argument overrides its tweak (no dead gene)."""
    site = ctx.site(name, share)
    inline = {k: v for k, v in kwargs.items() if isinstance(v, Distribution)}
    bound = {k: v for k, v in kwargs.items() if k not in inline}
    tweaked, distributions = {}, {}
    for arg, dist in {**specs, **inline}.items():
        if arg in bound:
            continue
        tid = tweaked[arg] = f"{site}.{arg}"
        distributions[tid] = dist
        if arg in defaults and arg not in inline:
            ctx.add_tweak(tid, dist, defaults[arg], True)
        else:  # the distribution's own default, if it has one: Uniform(0, 0.5, default=0.1)
            ctx.add_tweak(tid, dist, dist.default, dist.has_default)
    return Call(site, fn, list(args), bound, tweaked, distributions)


def _check_specs(specs: dict[str, Any], defaults: dict[str, Any]) -> None:
    for arg, dist in specs.items():
        if not isinstance(dist, Distribution):
            raise GraphError(f"tweaks: argument {arg!r} must be a Distribution (hl.Uniform, "
                             f"hl.Choice, ...), got {dist!r}")
    for arg, value in defaults.items():
        if arg not in specs:
            raise GraphError(f"tweaks: default for {arg!r} has no tweak; add {arg}=<Distribution>")
        if specs[arg].numeric:  # a Choice's default may be a live option, not a stored one
            specs[arg].check(value, arg)


def tweaks(fn: Callable[..., Any] | None = None, *, defaults: dict[str, Any] | None = None,
           share: bool = False, **specs: Distribution) -> Any:
    """Attach tweaks (argument=Distribution) to a function; stackable, with or without
    parentheses. `defaults` gives values used when a run has no value for a tweak."""
    defaults = dict(defaults or {})

    def decorate(f: Callable[..., Any]) -> TweakedFunction:
        if isinstance(f, TweakedFunction):
            merged = {**f.specs, **specs}
            _check_specs(merged, {**f.defaults, **defaults})
            return TweakedFunction(f.fn, merged, {**f.defaults, **defaults}, share or f.share)
        _check_specs(specs, defaults)
        return TweakedFunction(f, dict(specs), defaults, share)

    return decorate(fn) if fn is not None else decorate


def node(fn: Callable[..., Any] | None = None, *, share: bool = False) -> Any:
    """Make a function a graph node without tweaks; with or without parentheses."""
    return tweaks(fn, share=share) if fn is not None else tweaks(share=share)


class _PendingCall:
    def __init__(self, fn: Callable[..., Any], name: str | None, share: bool) -> None:
        self.fn, self.name, self.share = fn, name, share

    def __lshift__(self, arguments: dict[str, Any] | list[Any]) -> Call:
        ctx = require("graph.call")
        fn, specs, defaults = self.fn, {}, {}
        if isinstance(fn, TweakedFunction):
            fn, specs, defaults = fn.fn, fn.specs, fn.defaults
        name = self.name or getattr(fn, "__name__", type(fn).__name__)
        if isinstance(arguments, dict):
            return build_call(ctx, fn, name, [], arguments, specs, defaults, self.share)
        if isinstance(arguments, (list, tuple)):
            return build_call(ctx, fn, name, list(arguments), {}, specs, defaults, self.share)
        raise GraphError(f"graph.call({name}) << ...: feed a dict of keyword arguments or a "
                         f"list of positional ones, got {type(arguments).__name__}")


def call(fn: Callable[..., Any], name: str | None = None, share: bool = False) -> _PendingCall:
    """Explicit wiring: `graph.call(fn) << {"x": node, "y": 3}` (or a list for positional)."""
    return _PendingCall(fn, name, share)
