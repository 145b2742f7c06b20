"""The ``edgeworks`` command line.

Each service area registers its own sub-commands, so this module only assembles them and turns
a user's mistake into a one-line message with a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from edgeworks import __version__
from edgeworks.errors import EdgeworksError


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every service area's sub-commands registered."""
    from edgeworks.config import cli as config_cli
    from edgeworks.edge import cli as edge_cli
    from edgeworks.states import cli as states_cli

    parser = argparse.ArgumentParser(prog="edgeworks", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"edgeworks {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    edge_cli.register(commands)
    config_cli.register(commands)
    states_cli.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # `edgeworks` alone behaves like `edgeworks serve`: the embedded demo.
        args = parser.parse_args(["serve", *(argv or [])])
    try:
        status: int = args.run(args)
    except EdgeworksError as exc:
        print(f"edgeworks: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return status
