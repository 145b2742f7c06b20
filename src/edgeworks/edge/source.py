"""Where a node's distribution comes from: the command line's options and how to (re)load it.

A reload reads the distribution exactly as the start did (the same file, the same overrides
from the command line), so ``--listen`` and ``--access-log`` keep winning over the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from edgeworks.config import ConfigError, Problem, load_config, single_origin_distribution
from edgeworks.config.model import Distribution
from edgeworks.edge.accesslog import AccessLog

logger = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1:8080"


@dataclass(frozen=True, slots=True)
class NodeOptions:
    """What the command line asked for; None means "as configured" or "the default"."""

    origin: str | None = None
    config: str | None = None
    listen: str | None = None
    workers: int | None = None
    access_log: str | None = None


@dataclass(slots=True)
class Source:
    """Where the distribution comes from, so that a reload reads it the same way.

    Attributes:
        options: The command line's options.
        origin: The origin URL for ``--origin`` or the demo, None with ``--config``.
        current: The last distribution that loaded without problems.
    """

    options: NodeOptions
    origin: str | None
    current: Distribution | None = None

    def load(self) -> Distribution:
        """Load the distribution again, without making it current.

        Raises:
            ConfigError: The configuration has problems (every one of them is listed).
        """
        options = self.options
        if options.config is not None:
            dist = load_config(options.config)
            if options.listen is not None:
                host, port = _split_listen(options.listen)
                dist = replace(dist, listen_host=host, listen_port=port)
        else:
            assert self.origin is not None, "an origin URL is set without --config"
            dist = single_origin_distribution(self.origin, listen=options.listen or DEFAULT_LISTEN)
        if options.access_log is not None:
            dist = replace(
                dist, access_log=None if options.access_log == "off" else options.access_log
            )
        return dist

    def validate(self) -> bool:
        """Load the configuration for a reload and make it current if it is good.

        A configuration is good when it has no problems and its access log can be opened.
        Every problem is logged at WARNING; the current distribution then stays.
        """
        try:
            dist = self.load()
            if dist.access_log is not None:
                AccessLog(dist.access_log, header=False).close()
        except ConfigError as exc:
            log_refusal(exc)
            return False
        except OSError as exc:
            logger.warning("configuration refused, old one kept: %s", exc)
            return False
        self.current = dist
        return True


def log_refusal(exc: ConfigError) -> None:
    """Log a refused configuration, one WARNING line per problem."""
    for problem in exc.problems:
        logger.warning("configuration refused, old one kept: %s", problem)


def _split_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ConfigError([Problem("--listen", text, "must be host:port, such as 127.0.0.1:8080")])
    return host.strip("[]"), int(port)
