"""Compile a templated model: its SearchSpace, and a function object whose templates read a
trial's parameters, built in the original function's globals and closure (no file written)."""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import os
import types
from collections.abc import Callable, Mapping
from typing import Any

from hyperloom.space import Choice, Distribution, SearchSpace

from ._hyperopt import Decode, distribution, evaluate, model_namespace
from ._names import assign_names
from ._parse import Site, find_sites, function_tree

PARAMS = "__hl_params__"
_FACTORY = "__hl_factory__"


class _Params(dict):
    """A trial's values as the model reads them; a missing one names itself and the fix."""

    def __missing__(self, name: str) -> Any:
        raise KeyError(f"template parameter {name!r} has no value in this trial's params; "
                       f"give every active name of template.space(model)")


class Compiled:
    """A templated model compiled once: `space` (names shown), and `call(params, *args,
    **kwargs)`, which runs the model with its templates reading `params` (a trial's stored
    values, e.g. `trial.params`) and returns what the model returns."""

    def __init__(self, model: Callable[..., Any], space: SearchSpace,
                 decoders: Mapping[str, Decode], function: Callable[..., Any],
                 source: str) -> None:
        self.model = model
        self.space = space
        self.source = source
        self._decoders = dict(decoders)
        self._function = function

    def values(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The values the model sees for stored `params` (choice options, not labels)."""
        return {name: self._decoders[name](value) if name in self._decoders else value
                for name, value in params.items()}

    def call(self, params: Mapping[str, Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run the model on `args`/`kwargs` with its templates set from `params`."""
        return self._function(*args, **kwargs, **{PARAMS: _Params(self.values(params))})

    def bind(self, params: Mapping[str, Any]) -> Callable[..., Any]:
        """The model with its templates fixed to `params`, keeping the original signature."""
        bound = functools.wraps(self.model)(functools.partial(self.call, params))
        bound.__signature__ = inspect.signature(self.model)  # type: ignore[attr-defined]
        return bound

    def __repr__(self) -> str:
        return f"Compiled({self.model.__qualname__}, space={list(self.space.names)})"


def _lookup(name: str) -> ast.Subscript:
    return ast.Subscript(value=ast.Name(id=PARAMS, ctx=ast.Load()),
                         slice=ast.Constant(value=name), ctx=ast.Load())


class _Rewriter(ast.NodeTransformer):
    """Replaces each template node by `__hl_params__["name"]`."""

    def __init__(self, names: Mapping[int, str]) -> None:
        self.names = names

    def visit_Set(self, node: ast.Set) -> ast.AST:
        name = self.names.get(id(node))
        return self.generic_visit(node) if name is None else ast.copy_location(_lookup(name), node)


class _Probe(ast.NodeTransformer):
    """Replaces the one template of an if's test (matched by its dump) by the probed option."""

    def __init__(self, dump: str) -> None:
        self.dump = dump

    def visit_Set(self, node: ast.Set) -> ast.AST:
        if ast.dump(node) == self.dump:
            return ast.copy_location(_lookup("__hl_probe__"), node)
        return self.generic_visit(node)


def _branch_space(sites: list[Site], dists: dict[str, tuple], key: tuple,
                  namespace: Mapping[str, Any], labels: dict[str, dict[str, Any]]) -> SearchSpace:
    """The entries of sites whose enclosing template-tested branches are exactly `key`."""
    entries: dict[str, Distribution] = {}
    for index, site in enumerate(sites):
        if site.branch != key:
            continue
        dist, _, options = dists[site.name]
        owned = [s for s in sites if len(s.branch) > len(key) and s.branch[len(key)][0] == index]
        if owned and options is not None:
            dist = _conditional(index, site, options, sites, dists, key, namespace, labels)
        entries[site.name] = dist
    return SearchSpace(entries)


def _conditional(index: int, site: Site, options: list[Any], sites: list[Site],
                 dists: dict[str, tuple], key: tuple, namespace: Mapping[str, Any],
                 labels: dict[str, dict[str, Any]]) -> Distribution:
    """A Choice whose options are the nested spaces of the branch each option takes."""
    test = next(s.branch[len(key)][1] for s in sites
                if len(s.branch) > len(key) and s.branch[len(key)][0] == index)
    names = [str(o) for o in options]
    if len(set(names)) != len(names) or not all(isinstance(o, (str, int, float)) for o in options):
        names = [str(i) for i in range(len(options))]
    branches: dict[str, SearchSpace] = {}
    for label, option in zip(names, options):
        probe = _Probe(ast.dump(site.node)).visit(copy.deepcopy(test))
        taken = bool(evaluate(probe, {**namespace, PARAMS: {"__hl_probe__": option}},
                              f"template {site.name!r} (the test of an if)"))
        branches[label] = _branch_space(sites, dists, key + ((index, test, taken),), namespace,
                                        labels)
    labels[site.name] = dict(zip(names, options))
    return Choice(branches)


def compile_model(model: Callable[..., Any], keep_temp: str | os.PathLike | None = None) -> Compiled:
    """Parse, name and compile a templated model; see `Compiled`."""
    tree = function_tree(model)
    sites = find_sites(tree)
    for site, name in zip(sites, assign_names([s.hint for s in sites])):
        site.name = name
    namespace = model_namespace(model)
    dists = {s.name: distribution(s.call, namespace, f"template {s.name!r} (line {s.node.lineno})")
             for s in sites}
    labels: dict[str, dict[str, Any]] = {}
    space = _branch_space(sites, dists, (), namespace, labels)
    decoders: dict[str, Decode] = {name: decode for name, (_, decode, _) in dists.items()}
    for name, by_label in labels.items():
        decoders[name] = by_label.__getitem__
    source, function = _build_function(model, tree, {id(s.node): s.name for s in sites})
    if keep_temp is not None:
        with open(keep_temp, "w", encoding="utf-8") as fh:
            fh.write(source)
    return Compiled(model, space, decoders, function, source)


def _build_function(model: Callable[..., Any], tree: ast.FunctionDef,
                    names: Mapping[int, str]) -> tuple[str, Callable[..., Any]]:
    """The rewritten source and function object, in the model's globals and closure cells."""
    tree = _Rewriter(names).visit(tree)  # in place: `names` are keyed by node identity
    tree.args.kwonlyargs.append(ast.arg(arg=PARAMS))
    tree.args.kw_defaults.append(None)
    freevars = model.__code__.co_freevars
    # Free variables stay free: the def sits in a factory that binds them, as in the original.
    binds = [ast.Assign(targets=[ast.Name(id=v, ctx=ast.Store())], value=ast.Constant(None),
                        lineno=tree.lineno, end_lineno=tree.lineno) for v in freevars]
    factory = ast.FunctionDef(name=_FACTORY, args=ast.arguments(
        posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=[*binds, tree, ast.Return(value=ast.Name(id=tree.name, ctx=ast.Load()))],
        decorator_list=[], lineno=tree.lineno, col_offset=0, end_lineno=tree.end_lineno,
        end_col_offset=0)
    module = ast.fix_missing_locations(ast.Module(body=[factory], type_ignores=[]))
    code = compile(module, model.__code__.co_filename, "exec")
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts
                 if isinstance(c, types.CodeType) and c.co_name == tree.name)
    cells = dict(zip(freevars, model.__closure__ or ()))
    function = types.FunctionType(inner, model.__globals__, model.__name__, model.__defaults__,
                                  tuple(cells[v] for v in inner.co_freevars))
    function.__kwdefaults__ = model.__kwdefaults__
    function.__qualname__ = model.__qualname__
    return ast.unparse(tree), function
