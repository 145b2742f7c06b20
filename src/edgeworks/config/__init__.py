"""Configuration: CloudFront's vocabulary in YAML or JSON, validated into frozen data.

Error tree::

    EdgeworksError
    └── ConfigError          every problem found, each with its field path and value

Public surface::

    load_config(path) -> Distribution            read and check a YAML or JSON file
    parse_config(document, source) -> Distribution
    single_origin_distribution(url, listen)      the `serve --origin` one-liner
    match.match_behavior(dist, path) -> Behavior
    keys.cache_key(...), keys.origin_request_parts(...)

How a document is read: ``load`` (file to data) -> ``document`` (sections) -> ``origins``,
``policies`` and ``legacy``, ``behaviors``, ``custom_errors``, ``node``, all through one
``reader.Reader`` that collects problems; ``managed`` holds the built-in policies. The request
side is ``match``, ``keys`` and ``forward`` (on ``selection``); ``explain`` and ``cli`` are the
commands.
"""

from edgeworks.config.document import parse_config
from edgeworks.config.errors import ConfigError, Problem
from edgeworks.config.load import load_config
from edgeworks.config.single import single_origin_distribution

__all__ = [
    "ConfigError",
    "Problem",
    "load_config",
    "parse_config",
    "single_origin_distribution",
]
