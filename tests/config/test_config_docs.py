"""The configuration guide's example loads, and its tables agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import trustme

from edgeworks.cli import main
from edgeworks.config import load_config
from edgeworks.config.managed import CACHE_POLICIES, FOLLOW_ORIGIN, ORIGIN_REQUEST_POLICIES

GUIDE = Path(__file__).parents[2] / "docs" / "configuration.md"


def write_example(directory: Path) -> Path:
    """Write the guide's complete example, with the TLS files it names, into ``directory``."""
    example = GUIDE.read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    (directory / "tls").mkdir()
    cert = trustme.CA().issue_cert("localhost")
    cert.cert_chain_pems[0].write_to_path(str(directory / "tls" / "cert.pem"))
    cert.private_key_pem.write_to_path(str(directory / "tls" / "key.pem"))
    path = directory / "distribution.yaml"
    path.write_text(example)
    return path


def test_the_complete_example_loads(tmp_path: Path) -> None:
    path = write_example(tmp_path)

    dist = load_config(path)

    assert set(dist.origins) == {"site", "api"}
    assert [b.path_pattern for b in dist.behaviors] == ["/api/catalog*", "/api/*", "/legacy/*"]
    assert dist.tls is not None and dist.cache.disk_path == str(tmp_path / "cache")
    assert dist.listen_port == 8443


def test_managed_policy_tables_match_the_code() -> None:
    rows = re.findall(r"^\| ([\w-]+) \| `([\w-]+)` \|", GUIDE.read_text(), re.MULTILINE)
    documented = dict(rows)
    built_in = {p.name: p.id for p in (*CACHE_POLICIES, FOLLOW_ORIGIN, *ORIGIN_REQUEST_POLICIES)}
    assert documented == built_in


def test_the_explain_sample_is_what_explain_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    block = GUIDE.read_text().split("$ edgeworks explain", 1)[1].split("```", 1)[0]
    expected = block[block.index("request:") :].splitlines()
    path = write_example(tmp_path)
    url = "https://shop.example/api/catalog?page=2&category=tea&utm_source=mail"
    fields = ["Accept-Language: fr", "Accept-Encoding: gzip, br", "Cookie: session=abc"]
    args = ["explain", "--config", str(path), url]
    for field in fields:
        args += ["-H", field]

    assert main(args) == 0

    assert capsys.readouterr().out.splitlines() == expected
