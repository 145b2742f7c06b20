"""The root of every error Edgeworks raises on purpose.

Each subsystem derives its own root from :class:`EdgeworksError` and documents its tree in its
module docstring:

- ``edgeworks.config.ConfigError``: a configuration file is invalid (carries every problem).
- ``edgeworks.http.errors.HTTPError``: a viewer request is malformed (carries the status).
- ``edgeworks.origin.OriginError``: an origin could not be reached or answered badly.
- ``edgeworks.states.errors.StatesError``: a workflow API or language error.
"""


class EdgeworksError(Exception):
    """Base class of all errors raised on purpose by Edgeworks."""
