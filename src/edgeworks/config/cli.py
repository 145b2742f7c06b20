"""The ``edgeworks check`` and ``edgeworks explain`` commands.

``check FILE`` prints every problem as ``path: message (got: value)`` and exits 1 if there is
any, else prints a one-line summary and exits 0. ``explain --config FILE URL`` prints which
behaviour a request matches, where it goes, its cache policy and its cache key.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import urlsplit

from edgeworks.config.errors import ConfigError
from edgeworks.config.explain import explain, request_from_url
from edgeworks.config.load import load_config
from edgeworks.config.model import Distribution
from edgeworks.config.values import FIELD_NAME


def register(commands: Any) -> None:
    """Add ``check`` and ``explain`` to the top-level parser's sub-commands."""
    check = commands.add_parser(
        "check",
        help="validate a distribution file and print every problem",
        description=run_check.__doc__,
    )
    check.add_argument("file", metavar="FILE", help="a distribution file (YAML or JSON)")
    check.set_defaults(run=run_check)

    show = commands.add_parser(
        "explain",
        help="show how a distribution handles one request",
        description=run_explain.__doc__,
    )
    show.add_argument("--config", metavar="FILE", required=True, help="a distribution file")
    show.add_argument(
        "url", metavar="URL", type=_url, help="the request URL, or a path such as /a/b?q=1"
    )
    show.add_argument(
        "-X", "--method", default="GET", type=_method, help="request method (default GET)"
    )
    show.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        type=_field,
        metavar="'Name: value'",
        help="a request field (repeatable)",
    )
    show.set_defaults(run=run_explain)


def _url(text: str) -> str:
    try:
        urlsplit(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a valid URL: {text!r} ({exc})") from exc
    return text


def _method(text: str) -> str:
    # RFC 9110 §9.1: a method is a token.
    if not FIELD_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not a valid method: {text!r}")
    return text


def _field(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not FIELD_NAME.fullmatch(name.strip()):
        raise argparse.ArgumentTypeError(f"must be 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def _load(path: str) -> Distribution | None:
    """Return the distribution, or print its problems and return None."""
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem)
        count = len(exc.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return None


def run_check(args: argparse.Namespace) -> int:
    """Validate a distribution file: every problem with its field path and value."""
    dist = _load(args.file)
    if dist is None:
        return 1
    print(summary(args.file, dist))
    return 0


def summary(path: str, dist: Distribution) -> str:
    """Return the one-line description of a valid distribution."""
    return (
        f"{path}: OK, {_count(len(dist.origins), 'origin')}, "
        f"{_count(len(dist.origin_groups), 'origin group')}, "
        f"{_count(len(dist.behaviors) + 1, 'behaviour')}, listening on "
        f"{dist.listen_host}:{dist.listen_port}"
    )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def run_explain(args: argparse.Namespace) -> int:
    """Show which behaviour, origin, cache policy and cache key a request gets."""
    dist = _load(args.config)
    if dist is None:
        return 1
    request = request_from_url(
        args.url, args.method, args.header, f"{dist.listen_host}:{dist.listen_port}"
    )
    for line in explain(dist, request):
        # Undecodable bytes from the command line show as escapes rather than failing to print.
        print(line.encode("utf-8", "backslashreplace").decode("utf-8"))
    return 0
