"""The configuration guide's example loads, and its tables agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

import trustme

from edgeworks.config import load_config
from edgeworks.config.managed import CACHE_POLICIES, FOLLOW_ORIGIN, ORIGIN_REQUEST_POLICIES

GUIDE = Path(__file__).parents[2] / "docs" / "configuration.md"


def test_the_complete_example_loads(tmp_path: Path) -> None:
    text = GUIDE.read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "tls").mkdir()
    cert = trustme.CA().issue_cert("localhost")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "tls" / "cert.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "tls" / "key.pem"))
    path = tmp_path / "distribution.yaml"
    path.write_text(example)

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
