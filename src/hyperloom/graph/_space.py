"""Compile a graph's output into a conditional SearchSpace named by tweak ids.

A node reachable from the output without passing through a switch branch (or needed by every
branch of a switch that is) puts its tweaks at the top level; what only a branch reaches goes into that branch's nested space, so a
parameter exists only when its branch is chosen (no dead genes).
"""

from __future__ import annotations

from typing import Any

from hyperloom.space import Choice, Distribution, SearchSpace

from ._nodes import Node, nodes_in


def reachable(structure: Any) -> list[Node]:
    """Nodes reached from `structure` through inputs and dependencies, not into branches;
    in build order."""
    seen: dict[int, Node] = {}
    stack = list(nodes_in(structure))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(node.inputs())
        stack.extend(node.after())
    return sorted(seen.values(), key=lambda n: n.order)


def _needed_by_every_branch(switch: Any, known: set[int]) -> list[Node]:
    """Nodes that each branch of `switch` reaches: they run whichever branch is chosen."""
    reached = [{id(n): n for n in reachable(branch)} for branch in switch.options.values()]
    common = set.intersection(*(set(r) for r in reached)) - known
    return [reached[0][key] for key in common]


def _level(structure: Any, outer: set[int]) -> list[Node]:
    """Nodes that run whenever `structure` does, except those of `outer`, in build order."""
    level = {id(n): n for n in reachable(structure) if id(n) not in outer}
    grew = True
    while grew:
        grew = False
        for node in [n for n in level.values() if n.kind == "switch"]:
            for shared in _needed_by_every_branch(node, outer | set(level)):
                level[id(shared)], grew = shared, True
    return sorted(level.values(), key=lambda n: n.order)


def _entries(structure: Any, outer: set[int]) -> dict[str, Distribution]:
    nodes = _level(structure, outer)
    inside = outer | {id(n) for n in nodes}
    entries: dict[str, Distribution] = {}
    for node in nodes:
        entries.update(node.own_tweaks())
        if node.kind == "switch":
            entries[node.id] = _choice(node, inside)
    return entries


def _choice(switch: Any, outer: set[int]) -> Choice:
    spaces = {key: SearchSpace(_entries(branch, outer)) for key, branch in switch.options.items()}
    return Choice(spaces if switch.labelled else list(spaces.values()))


def compile_space(output: Any) -> SearchSpace:
    """The conditional search space of everything the output can run."""
    return SearchSpace(_entries(output, set()))
