"""Export a graph's structure to networkx (an optional dependency, imported on first use)."""

from __future__ import annotations

from typing import Any

from ._nodes import nodes_in


def _networkx() -> Any:
    try:
        import networkx
    except ImportError:
        raise ImportError("Graph.to_networkx() needs networkx: pip install 'hyperloom[graph]'"
                          ) from None
    return networkx


def structure_graph(graph: Any) -> Any:
    """Nodes keyed by id (attribute `kind`); edges source -> user with `kind` data,
    dependency or branch (`branch` = the switch key)."""
    nx = _networkx()
    out = nx.DiGraph(name=graph.name)
    for node in graph.nodes:
        out.add_node(node.id, kind=node.kind)
    for node in graph.nodes:
        for source in node.inputs():
            out.add_edge(source.id, node.id, kind="data")
        for source in node.after():
            out.add_edge(source.id, node.id, kind="dependency")
        for key, branch in getattr(node, "options", {}).items():
            for source in nodes_in(branch):
                out.add_edge(source.id, node.id, kind="branch", branch=key)
    return out
