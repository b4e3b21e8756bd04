"""Dispatch by node type: the one way the sweep package walks its value trees.

A walker subclasses `NodeVisitor` and defines `visit_<NodeClass>` methods; `visit(node)` calls
the method for the node's class, or for the nearest base class that has one (so `visit_ListNode`
also takes tuples unless `visit_TupleNode` says otherwise). A node type a walker does not handle
is a TypeError naming both, never a silent default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class NodeVisitor:
    """Base of the walkers over sweep values (evaluation, text, Gin, traversal)."""

    # Per walker class: node class -> unbound visit method (filled on first use).
    _methods: dict[type, Callable[..., Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._methods = {}

    def visit(self, node: Any, *args: Any) -> Any:
        """The result of this walker's method for `node` (extra `args` are passed on)."""
        method = self._methods.get(type(node))
        if method is None:
            method = self.method_for(type(node))
        return method(self, node, *args)

    @classmethod
    def method_for(cls, node_type: type) -> Callable[..., Any]:
        """The unbound `visit_*` method that handles `node_type`; TypeError if there is none."""
        for klass in node_type.__mro__[:-1]:  # object is never a node
            method = getattr(cls, f"visit_{klass.__name__}", None)
            if method is not None:
                cls._methods[node_type] = method
                return method
        raise TypeError(f"{cls.__name__} cannot handle {node_type.__name__} nodes: define "
                        f"{cls.__name__}.visit_{node_type.__name__}")
