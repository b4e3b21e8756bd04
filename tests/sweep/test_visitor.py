"""The one dispatch over sweep value nodes: every walker handles every node type, and a node
type a walker does not know is a clear error instead of a silent default."""

import pytest

from hyperloom.sweep import _nodes, _render, _text, _values
from hyperloom.sweep._nodes import ListNode, Lit, Node
from hyperloom.sweep._visitor import NodeVisitor

WALKERS = [_text.Precedence, _text.TextWriter, _render.GinWriter, _render._Computes,
           _values._Evaluator, _values._Children]


def _node_types() -> list[type]:
    found, todo = [], [Node]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__ == _nodes.__name__ and not cls.__name__.startswith("_") and cls is not Node:
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


def test_the_node_types_are_found():
    names = {c.__name__ for c in _node_types()}
    assert {"Lit", "ListNode", "TupleNode", "DictNode", "Macro", "Ref", "Call", "Func", "Dist",
            "Unary", "Binary", "BoolOp", "Compare"} <= names


@pytest.mark.parametrize("walker", WALKERS, ids=lambda w: w.__name__)
@pytest.mark.parametrize("node_type", _node_types(), ids=lambda c: c.__name__)
def test_each_walker_handles_every_node_type(walker, node_type):
    assert callable(walker.method_for(node_type))


class Hole(Node):
    """A node type that no walker was taught."""

    __slots__ = ()

    def _key(self) -> tuple:
        return ()


def test_a_node_type_without_a_visit_method_is_a_clear_error():
    with pytest.raises(TypeError, match=r"TextWriter cannot handle Hole nodes: define "
                                        r"TextWriter.visit_Hole"):
        _text.node_text(ListNode((Lit(1), Hole())))


def test_dispatch_takes_the_nearest_base_class_method():
    class Sizes(NodeVisitor):
        def visit_ListNode(self, node):
            return "list"

        def visit_Lit(self, node):
            return "lit"

    tuple_node = _nodes.TupleNode((Lit(1), Hole()))
    assert Sizes().visit(tuple_node) == "list"
    assert Sizes().visit(Lit(3)) == "lit"


def test_text_and_gin_writers_keep_their_own_spelling_of_the_same_tree():
    tree = _values.make_binary("+", _nodes.Macro("m"), Lit(1), None)
    assert _text.node_text(tree) == "%m + 1"
    gin = _render.GinWriter("t")
    assert gin.text(tree) == "@hlt_0/hyperloom.sweep.expr()"
    assert gin.helpers == ["hlt_0/hyperloom.sweep.expr.op = '+'",
                           "hlt_0/hyperloom.sweep.expr.args = ['m', 1]",
                           "hlt_0/hyperloom.sweep.expr.lazy = {0: 'm'}"]


def test_walk_reaches_every_node_depth_first():
    inner = _nodes.Binary("*", _nodes.Macro("a"), _nodes.Ref("f"))
    tree = _nodes.DictNode(((Lit("k"), inner), (Lit("j"), _nodes.Call("g", (("x", Lit(2)),)))))
    assert [_text.node_text(n) for n in _values.walk(tree)] == [
        "{'k': %a * @f, 'j': @g(x=2)}", "'k'", "%a * @f", "%a", "@f", "'j'", "@g(x=2)", "2"]
