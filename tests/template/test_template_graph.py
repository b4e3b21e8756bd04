"""A search space written as graph tweaks and as templates compiles to the same SearchSpace."""
# ruff: noqa: F821  (template aliases such as `uniform` are names only inside {{...}})

import hyperloom as hl
from hyperloom import graph, template


@graph.tweaks(k=hl.IntUniform(1, 5))
def power(x, k):
    return x ** k


@graph.tweaks(c=hl.Uniform(0, 1))
def shift(x, c):
    return x + c


@graph.aggregator
def shape():
    x = graph.input("x")
    return graph.switch("op") << {"power": power(x=x), "shift": shift(x=x)}


def shape_model(x):
    if {{choice(["power", "shift"])}} == "power":
        k = {{randint(1, 6)}}
        return x ** k
    else:
        c = {{uniform(0, 1)}}
        return x + c


def _unnamed(node):
    """A space's JSON form with parameter names dropped (kept in order)."""
    if isinstance(node, dict):
        if node.get("type") == "space":
            return [_unnamed(d) for d in node["params"].values()]
        return {key: _unnamed(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_unnamed(item) for item in node]
    return node


def test_graph_tweaks_and_templates_give_the_same_space_names_aside():
    from_graph = shape().search_space()
    from_template = template.space(shape_model)
    assert _unnamed(from_template.to_dict()) == _unnamed(from_graph.to_dict())
    assert from_template.is_conditional and from_graph.is_conditional
