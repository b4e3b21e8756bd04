"""The graph front end's errors: each names the tweak id, node or file and the fix."""

from __future__ import annotations

from hyperloom.exceptions import HyperloomError


class GraphError(HyperloomError, ValueError):
    """A graph is built or run in a way that means nothing (wrong call, unknown id, bad file)."""


class MissingTweakError(GraphError):
    """A run needs a tweak that was neither given nor has a default."""


class SignatureMismatchError(GraphError):
    """Saved tweaks belong to a graph of another structure."""
