"""How the node builds and closes the pipeline: the one place that knows its constructor."""

from __future__ import annotations

from edgeworks.cache import Cache
from edgeworks.config.model import Distribution
from edgeworks.edge.trace import Tracer
from edgeworks.http.server import App


def build_cache(dist: Distribution) -> Cache:
    """Return a worker's cache; it outlives reloads, so its settings are read at start only."""
    return Cache(dist.cache, node_name=dist.node_name)


def build_edge_app(dist: Distribution, tracer: Tracer, cache: Cache) -> App:
    """Return the request pipeline for ``dist``.

    Args:
        dist: The distribution to serve.
        tracer: Where finished requests are reported.
        cache: The worker's cache, shared by every pipeline it builds.
    """
    from edgeworks.edge.proxy import EdgeApp

    app: App = EdgeApp(dist, tracer=tracer, cache=cache)
    return app


async def close_edge_app(app: App) -> None:
    """Release what a pipeline holds (its origin connections), after its requests drained."""
    aclose = getattr(app, "aclose", None)
    if aclose is not None:
        await aclose()
