"""The ``edgeworks serve`` command: run an edge node.

Three ways to say what to serve:

- ``--origin URL``: one node in front of one origin, following its caching headers;
- ``--config FILE``: a distribution in YAML or JSON;
- neither: the embedded demo, a built-in origin with a few objects and an edge in front of it.

A bad configuration at start prints every problem (field path and value) and exits 1.
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from typing import Any

from edgeworks.config import ConfigError
from edgeworks.edge.node import serve
from edgeworks.edge.source import NodeOptions

LOG_LEVELS = ("debug", "info", "warning", "error")
DESCRIPTION = """\
Run an edge node. Say what to serve in one of three ways:

  --origin URL    one node in front of one origin, following its caching headers
  --config FILE   a distribution in YAML or JSON (CloudFront's vocabulary)
  (neither)       the embedded demo: a built-in origin and an edge in front of it

A bad configuration prints every problem with its field path and value, and exits 1.
SIGTERM or SIGINT drains and stops; SIGHUP reloads the configuration file."""


def register(commands: Any) -> None:
    """Add ``serve`` to the top-level parser's sub-commands."""
    parser = commands.add_parser(
        "serve",
        help="run an edge node (the embedded demo when given no origin or configuration)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--origin", metavar="URL", help="the one origin to front")
    source.add_argument("--config", metavar="FILE", help="a distribution file (YAML or JSON)")
    parser.add_argument(
        "--listen", metavar="HOST:PORT", help="address to listen on (default 127.0.0.1:8080)"
    )
    parser.add_argument(
        "--workers",
        metavar="N",
        type=_workers,
        help="worker processes sharing the port (default: one per core, the demo one; 1 runs"
        " in-process)",
    )
    parser.add_argument(
        "--access-log",
        metavar="PATH",
        help="access log file, '-' for standard output, 'off' for none (default: as configured)",
    )
    parser.add_argument(
        "--log-level", choices=LOG_LEVELS, default="info", help="diagnostic log level on stderr"
    )
    parser.set_defaults(run=run)


def _workers(text: str) -> int:
    """Parse ``--workers``: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def setup_logging(level: str) -> None:
    """Send the ``edgeworks`` loggers to stderr at ``level``, one line per record."""
    root = logging.getLogger("edgeworks")
    root.setLevel(level.upper())
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s")
        )
        root.addHandler(handler)
    root.propagate = False


def run(args: argparse.Namespace) -> int:
    """Run ``edgeworks serve`` and return the exit status."""
    setup_logging(args.log_level)
    options = NodeOptions(
        origin=args.origin,
        config=args.config,
        listen=args.listen,
        workers=args.workers,
        access_log=args.access_log,
    )
    try:
        return serve(options)
    except ConfigError as exc:
        print(f"edgeworks serve: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # The listening port taken, a log file not writable: the user's to fix, not a crash.
        hint = " (choose another address with --listen)" if exc.errno == errno.EADDRINUSE else ""
        print(f"edgeworks serve: {exc.strerror or exc}{hint}", file=sys.stderr)
        return 1
