"""How the node builds and closes the pipeline: the one place that knows its constructor."""

from __future__ import annotations

from edgeworks.config.model import Distribution
from edgeworks.edge.trace import Tracer
from edgeworks.http.server import App


def build_edge_app(dist: Distribution, tracer: Tracer) -> App:
    """Return the request pipeline for ``dist``, reporting finished requests to ``tracer``."""
    from edgeworks.edge.proxy import EdgeApp

    app: App = EdgeApp(dist, tracer=tracer)
    return app


async def close_edge_app(app: App) -> None:
    """Release what a pipeline holds (its origin connections), after its requests drained."""
    aclose = getattr(app, "aclose", None)
    if aclose is not None:
        await aclose()
