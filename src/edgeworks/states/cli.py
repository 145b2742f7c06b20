"""``edgeworks states``: serve the Step Functions API over the durable workflow runtime."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sqlite3
from pathlib import Path
from typing import Any

import uvloop

from edgeworks.states.errors import StatesError

log = logging.getLogger(__name__)


def register(commands: Any) -> None:
    """Add the ``states`` sub-command to the top-level parser."""
    parser = commands.add_parser(
        "states", help="serve the Step Functions API", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--listen", default="127.0.0.1:8083", help="HOST:PORT to listen on (127.0.0.1:8083)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("edgeworks-data"),
        help="folder for the SQLite store (./edgeworks-data)",
    )
    parser.add_argument(
        "--functions", type=Path, default=None, help="folder of NAME.py files with handler()"
    )
    parser.add_argument("--account", default="123456789012", help="account of non-numeric keys")
    parser.add_argument("--region", default="us-east-1", help="region when none is signed")
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="DEBUG, INFO, WARNING or ERROR",
    )
    parser.set_defaults(run=run)


def parse_listen(text: str) -> tuple[str, int]:
    """Return (host, port) from ``HOST:PORT``.

    Raises:
        StatesError: The text is not HOST:PORT with a port from 0 to 65535.
    """
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise StatesError(f"--listen must be HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; return the exit status."""
    host, port = parse_listen(args.listen)
    if args.functions is not None and not args.functions.is_dir():
        raise StatesError(f"--functions {str(args.functions)!r} is not a folder")
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_serve(args, host, port))
    return 0


async def _serve(args: argparse.Namespace, host: str, port: int) -> None:
    from edgeworks.states.api import StatesService

    try:
        service = StatesService(
            args.data_dir, args.functions, account=args.account, region=args.region
        )
    except (OSError, sqlite3.Error) as exc:
        raise StatesError(f"cannot use --data-dir {str(args.data_dir)!r}: {exc}") from exc
    try:
        await service.start(host, port)
    except OSError as exc:
        await service.close()
        raise StatesError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    log.info("states service stopping")
    await service.close()
