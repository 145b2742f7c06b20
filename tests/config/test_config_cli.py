"""``edgeworks check`` and ``edgeworks explain`` through the real command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edgeworks.cli import main

GOOD = """\
Origins:
  - Id: app
    Url: http://127.0.0.1:8000
  - Id: spare
    Url: http://127.0.0.1:8001
OriginGroups:
  - Id: pair
    FailoverCriteria: {StatusCodes: [502, 503]}
    Members: [{OriginId: app}, {OriginId: spare}]
DefaultCacheBehavior:
  TargetOriginId: app
  CachePolicyId: CachingOptimized
CacheBehaviors:
  - PathPattern: /api/*
    TargetOriginId: pair
    AllowedMethods: ALL
    CachePolicyId: UseOriginCacheControlHeaders-QueryStrings
    OriginRequestPolicyId: AllViewerExceptHostHeader
Edgeworks:
  Listen: 127.0.0.1:9000
"""

BAD = """\
Origins:
  - Id: app
    Url: ftp://127.0.0.1:8000
DefaultCacheBehavior:
  TargetOriginId: ap
  CachePolicyId: CachingOptimised
"""


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    return path


def test_check_valid_prints_a_summary(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(good)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0
    assert out.startswith(f"{good}: OK, 2 origins, 1 origin group, 2 behaviours")


def test_check_invalid_prints_every_problem(bad: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "Origins[0].Url: must start with http:// or https:// (got: 'ftp://127.0.0.1:8000')",
        "DefaultCacheBehavior.TargetOriginId: no origin or origin group has this id; "
        "did you mean 'app'? (got: 'ap')",
        "DefaultCacheBehavior.CachePolicyId: no cache policy has this id or name; "
        "did you mean 'CachingOptimized'? (got: 'CachingOptimised')",
    ]


def test_check_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope.yaml")]) == 1
    assert "cannot read the file" in capsys.readouterr().out


def test_check_as_a_process_has_no_traceback(bad: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "edgeworks", "check", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "Origins[0].Url" in done.stdout


def test_explain_default_behaviour(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--config", str(good), "http://example.com/index.html?x=1"]) == 0
    out = capsys.readouterr().out
    assert "behaviour:        DefaultCacheBehavior, path pattern '*'" in out
    assert "target:           origin 'app' http://127.0.0.1:8000" in out
    assert "CachingOptimized (658327ea-f89d-4fab-a63d-7e88639e58f6)" in out
    assert "MinTTL 1, DefaultTTL 86400, MaxTTL 31536000" in out
    assert "cache key:        GET | example.com | /index.html | e:" in out


def test_explain_matched_behaviour_with_method_and_headers(
    good: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["explain", "--config", str(good), "/api/items?b=2&a=1", "-X", "PURGE"]
    args += ["-H", "Host: Shop.Example", "-H", "Cookie: sid=9", "-H", "Origin: https://x"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "behaviour:        CacheBehaviors #0, path pattern '/api/*'" in out
    assert "PURGE allowed, not cached; allowed ALL" in out
    assert "viewer:           allow-all; compression off" in out
    assert "origin group 'pair': primary 'app'" in out
    assert "secondary 'spare' http://127.0.0.1:8001; fails over on 502, 503" in out
    assert "request policy:   AllViewerExceptHostHeader" in out
    assert (
        "cache key:        PURGE | shop.example | /api/items | q:a=1&b=2 | h:origin:https://x"
        in out
    )
    assert "c:sid=9" in out


def test_explain_reports_a_disallowed_method(
    good: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "--config", str(good), "/x", "-X", "POST"]) == 0
    assert "POST NOT allowed" in capsys.readouterr().out


def test_explain_bad_config_prints_problems(bad: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--config", str(bad), "/x"]) == 1
    assert "Origins[0].Url" in capsys.readouterr().out


def test_explain_rejects_a_malformed_header(
    good: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["explain", "--config", str(good), "/x", "-H", "no colon here"])
    assert exited.value.code == 2
    assert "must be 'Name: value'" in capsys.readouterr().err


def test_explain_rejects_a_malformed_url(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["explain", "--config", str(good), "http://[::1"])
    assert exited.value.code == 2
    assert "not a valid URL" in capsys.readouterr().err
