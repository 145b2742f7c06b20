"""The distribution behind ``edgeworks serve --origin URL``: one origin, one behaviour."""

from __future__ import annotations

from edgeworks.config.errors import ConfigError, Problem
from edgeworks.config.managed import FOLLOW_ORIGIN, MANAGED_ORIGIN_REQUEST_POLICIES
from edgeworks.config.model import Behavior, Distribution
from edgeworks.config.values import ALL_METHODS, parse_listen, parse_origin_url

ORIGIN_ID = "origin"


def single_origin_distribution(
    origin: str, listen: str = "127.0.0.1:8080", node_name: str = "edgeworks"
) -> Distribution:
    """Return a distribution that fronts one origin and follows its caching headers.

    Every method passes (extension methods included); GET and HEAD are cached for as long as the
    origin's ``Cache-Control``/``Expires`` say and not at all when they say nothing
    (``Edgeworks-FollowOrigin``: MinTTL 0, DefaultTTL 0; cookies and query strings in the key).
    Viewer fields, cookies and query strings go to the origin, except ``Host``, which is the
    origin's own (AllViewerExceptHostHeader).

    Args:
        origin: The origin's URL, for example ``http://127.0.0.1:8000``.
        listen: ``host:port`` to listen on.
        node_name: The name the node gives itself in ``Via``.

    Raises:
        ConfigError: The URL or the listen address is not valid.
    """
    problems: list[Problem] = []
    parsed = parse_origin_url(ORIGIN_ID, origin, "--origin", problems)
    address = parse_listen(listen, "--listen", problems)
    if parsed is None or address is None or problems:
        raise ConfigError(problems)
    behavior = Behavior(
        path_pattern="*",
        target_origin_id=ORIGIN_ID,
        cache_policy=FOLLOW_ORIGIN,
        origin_request_policy=MANAGED_ORIGIN_REQUEST_POLICIES["AllViewerExceptHostHeader"],
        allowed_methods=ALL_METHODS,
    )

    return Distribution(
        origins={ORIGIN_ID: parsed},
        default_behavior=behavior,
        listen_host=address[0],
        listen_port=address[1],
        node_name=node_name,
    )
