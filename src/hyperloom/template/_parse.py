"""Find `{{alias(...)}}` templates in a function's source: a set whose one element is a set
whose one element is a call of a distribution alias. Comments never reach the AST, so a
template in a comment is ignored; braces inside strings are just string characters."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ALIASES = ("uniform", "loguniform", "quniform", "qloguniform", "normal", "qnormal",
           "lognormal", "qlognormal", "randint", "choice", "pchoice")


@dataclass
class Site:
    """One template in the source: its node, the alias call inside, and where it sits."""

    node: ast.Set
    call: ast.Call
    hint: str | None  # the identifier it is assigned or passed to, if any
    branch: tuple[tuple[int, ast.expr, bool], ...]  # (id of the if's test site, test, taken)
    name: str = ""
    test_ifs: list[ast.If] = field(default_factory=list)  # ifs whose test holds this template


def template_call(node: ast.AST) -> ast.Call | None:
    """The alias call of a `{{alias(...)}}` node, or None for any other node."""
    if not (isinstance(node, ast.Set) and len(node.elts) == 1):
        return None
    inner = node.elts[0]
    if not (isinstance(inner, ast.Set) and len(inner.elts) == 1):
        return None
    call = inner.elts[0]
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in ALIASES:
        return call
    return None


def function_tree(fn: Callable[..., Any]) -> ast.FunctionDef:
    """The `def` of `fn` parsed from its source, decorators dropped, line numbers as in its file."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as exc:
        raise ValueError(f"template: cannot read the source of {fn!r} ({exc}); define it in a "
                         "file or a notebook cell") from None
    module = ast.parse(source)
    defs = [n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not defs:
        raise ValueError(f"template: {fn!r} is not a `def` function (lambdas are not supported)")
    tree = defs[0]
    tree.decorator_list = []
    ast.increment_lineno(module, fn.__code__.co_firstlineno - 1)
    return tree


def _hint(parent: ast.AST | None, node: ast.AST) -> str | None:
    """The identifier a template is assigned or passed to: the naming rule's source."""
    if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and parent.value is node:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        return _identifier(targets[-1])
    if isinstance(parent, ast.keyword):
        return parent.arg
    if isinstance(parent, ast.Call) and node in parent.args:
        return _identifier(parent.func)
    return None


def _identifier(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Finder(ast.NodeVisitor):
    """Collects sites in source order, remembering the template-tested ifs around each."""

    def __init__(self) -> None:
        self.sites: list[Site] = []
        self._parents: list[ast.AST] = []
        self._branch: list[tuple[int, ast.expr, bool]] = []

    def generic_visit(self, node: ast.AST) -> None:
        self._parents.append(node)
        super().generic_visit(node)
        self._parents.pop()

    def visit_Set(self, node: ast.Set) -> None:
        call = template_call(node)
        if call is None:
            self.generic_visit(node)
            return
        parent = self._parents[-1] if self._parents else None
        self.sites.append(Site(node, call, _hint(parent, node), tuple(self._branch)))

    def visit_If(self, node: ast.If) -> None:
        before = len(self.sites)
        self._parents.append(node)
        self.visit(node.test)
        tested = [s for s in self.sites[before:] if s.call.func.id in ("choice", "pchoice")]
        if len(tested) != 1:  # not a single-choice test: both branches are unconditional
            for stmt in node.body + node.orelse:
                self.visit(stmt)
            self._parents.pop()
            return
        site_index = before + self.sites[before:].index(tested[0])
        for taken, stmts in ((True, node.body), (False, node.orelse)):
            self._branch.append((site_index, node.test, taken))
            for stmt in stmts:
                self.visit(stmt)
            self._branch.pop()
        self._parents.pop()


def find_sites(tree: ast.FunctionDef) -> list[Site]:
    """Every template in the function body, in source order (defaults and annotations too)."""
    finder = _Finder()
    for child in ast.iter_child_nodes(tree):
        finder.visit(child)
    return finder.sites
