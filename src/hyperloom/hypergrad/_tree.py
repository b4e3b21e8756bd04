"""Arithmetic on nested dicts/tuples of tensors (the params, optimizer states and adjoints)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._torch import torch

Tree = Any


def tree_map(fn: Callable[..., Any], tree: Tree, *rest: Tree) -> Tree:
    """Apply ``fn`` leaf-wise to trees of the same structure (dicts, tuples, lists, tensors)."""
    if isinstance(tree, dict):
        return {k: tree_map(fn, tree[k], *(r[k] for r in rest)) for k in tree}
    if isinstance(tree, (tuple, list)):
        return type(tree)(tree_map(fn, t, *(r[i] for r in rest)) for i, t in enumerate(tree))
    return fn(tree, *rest)


def leaves(tree: Tree) -> list[Any]:
    """The leaves of a tree in a deterministic order (dict insertion order)."""
    if isinstance(tree, dict):
        return [leaf for k in tree for leaf in leaves(tree[k])]
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in leaves(t)]
    return [tree]


def add(a: Tree, b: Tree) -> Tree:
    return tree_map(lambda x, y: x + y, a, b)


def sub(a: Tree, b: Tree) -> Tree:
    return tree_map(lambda x, y: x - y, a, b)


def scale(a: Tree, c: Any) -> Tree:
    return tree_map(lambda x: x * c, a)


def axpy(alpha: Any, x: Tree, y: Tree) -> Tree:
    """``alpha * x + y`` leaf-wise."""
    return tree_map(lambda u, v: alpha * u + v, x, y)


def zeros_like(a: Tree) -> Tree:
    return tree_map(torch.zeros_like, a)


def dot(a: Tree, b: Tree) -> torch.Tensor:
    """Euclidean inner product of two trees, as a 0-d tensor."""
    terms = [(x * y).sum() for x, y in zip(leaves(a), leaves(b))]
    if not terms:
        return torch.zeros(())
    return torch.stack(terms).sum()


def norm(a: Tree) -> torch.Tensor:
    return dot(a, a).sqrt()


def detach(a: Tree) -> Tree:
    return tree_map(lambda x: x.detach() if isinstance(x, torch.Tensor) else x, a)

