"""``rediss://``: the queue and the store over TLS, with a password, against a TLS-only server."""
from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message
from caikit_compose_redis import RedisUnavailableError


def _openssl(*args: str, cwd: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is required to make the TLS test certificates")
    subprocess.run([openssl, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    """A throwaway CA and a server certificate for 127.0.0.1."""
    d = tmp_path_factory.mktemp("tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
             "-keyout", "ca.key", "-out", "ca.crt", cwd=d)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "server.key", "-out", "server.csr", cwd=d)  # fmt: skip
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt", cwd=d)  # fmt: skip
    return d


@pytest.fixture(scope="module")
def tls_redis(make_redis, certificates, unused_port_module):
    args = [
        "--port", "0",
        "--tls-port", str(unused_port_module),
        "--tls-cert-file", str(certificates / "server.crt"),
        "--tls-key-file", str(certificates / "server.key"),
        "--tls-ca-cert-file", str(certificates / "ca.crt"),
        "--tls-auth-clients", "no",
        "--requirepass", "s3cret",
    ]  # fmt: skip
    return make_redis(args, port=unused_port_module, tls=True)


def test_queue_and_store_work_over_tls(tls_redis, certificates, namespace):
    config = {
        "url": f"rediss://:s3cret@127.0.0.1:{tls_redis.port}/0",
        "ssl_ca_certs": str(certificates / "ca.crt"),
        "namespace": namespace,
        "block_ms": 100,
    }
    mq = MQ_FACTORY.construct({"type": "REDIS", "config": config})
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": config})
    try:
        got = threading.Event()
        mq.create_topic("t")
        mq.subscribe("t", "g", lambda m: got.set())
        mq.publish("t", Message.from_data(StrSequence(["secret"])))
        assert got.wait(10)
        assert gs.compare_and_set("G/s/k", None, 0)
    finally:
        mq.shutdown()
        gs.close()


def test_an_untrusted_server_certificate_fails_at_construction(tls_redis):
    with pytest.raises(RedisUnavailableError, match="rediss://:\\*\\*\\*@"):
        MQ_FACTORY.construct(
            {"type": "REDIS", "config": {"url": f"rediss://:s3cret@127.0.0.1:{tls_redis.port}/0"}}
        )
