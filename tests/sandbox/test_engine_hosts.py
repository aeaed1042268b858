"""Engines named in `hosts`: a URL, or a mapping with the TLS settings of the docker SDK.

Building the client is checked here without an engine; `test_requests.py` runs a pool over two
URLs of the local engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.docker_backend import engine_kwargs


def test_a_url_is_the_base_url() -> None:
    assert engine_kwargs("ssh://user@node1") == {"base_url": "ssh://user@node1"}


def test_tls_settings_become_the_sdk_tls_config(tmp_path: Path) -> None:
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("x")
    kwargs = engine_kwargs(
        {
            "url": "tcp://node1:2376",
            "tls": {
                "ca_cert": str(tmp_path / "ca.pem"),
                "client_cert": str(tmp_path / "cert.pem"),
                "client_key": str(tmp_path / "key.pem"),
            },
        }
    )
    tls = kwargs["tls"]
    assert kwargs["base_url"] == "tcp://node1:2376"
    assert tls.cert == (str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))
    assert tls.ca_cert == str(tmp_path / "ca.pem") and tls.verify is True


def test_ssh_through_the_system_client() -> None:
    kwargs = engine_kwargs({"url": "ssh://node2", "use_ssh_client": True})
    assert kwargs == {"base_url": "ssh://node2", "use_ssh_client": True}


def test_a_mapping_without_url_is_refused() -> None:
    with pytest.raises(ValueError, match="url, tls, use_ssh_client"):
        engine_kwargs({"tls": {}})
