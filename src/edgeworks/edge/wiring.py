"""How the node builds the pipeline: the one place that knows its constructor."""

from __future__ import annotations

from edgeworks.config.model import Distribution
from edgeworks.edge.proxy import EdgeApp
from edgeworks.edge.trace import Tracer


def build_edge_app(dist: Distribution, tracer: Tracer) -> EdgeApp:
    """Return the request pipeline for ``dist``, with its own origin pools and cache.

    Args:
        dist: The distribution to serve.
        tracer: Where finished requests are reported.
    """
    return EdgeApp(dist, tracer=tracer)
