"""TLS termination with the certificate and key named in the configuration."""

from __future__ import annotations

import http.client
import json
import ssl
from pathlib import Path

import trustme

from .harness import running_node, running_origin


def test_node_terminates_tls_from_configured_files(tmp_path: Path) -> None:
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1", "localhost")
    issued.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    issued.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    viewer_tls = ssl.create_default_context()
    authority.configure_trust(viewer_tls)

    with running_origin() as origin:
        config = tmp_path / "distribution.json"
        document = {
            "Origins": [{"Id": "main", "Url": origin.url}],
            "DefaultCacheBehavior": {"TargetOriginId": "main"},
            "Edgeworks": {"TLS": {"Certificate": "cert.pem", "PrivateKey": "key.pem"}},
        }
        config.write_text(json.dumps(document))
        with running_node(["--config", str(config), "--workers", "1"], tmp_path) as node:
            conn = http.client.HTTPSConnection(
                "127.0.0.1", node.port, timeout=10, context=viewer_tls
            )
            conn.request("GET", "/plain/secure")
            response = conn.getresponse()
            body = json.loads(response.read())
            conn.close()

    assert response.status == 200
    assert body["path"] == "/plain/secure"


def test_unreadable_key_exits_1_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    config = tmp_path / "distribution.json"
    document = {
        "Origins": [{"Id": "main", "Url": "http://127.0.0.1:9"}],
        "DefaultCacheBehavior": {"TargetOriginId": "main"},
        "Edgeworks": {"TLS": {"Certificate": "cert.pem", "PrivateKey": "key.pem"}},
    }
    config.write_text(json.dumps(document))

    with running_node(["--config", str(config)], tmp_path, ready=False) as node:
        assert node.proc.wait(20) == 1

    assert "cert.pem" in node.stderr()
    assert "Traceback" not in node.stderr()
