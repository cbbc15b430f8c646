"""Bad input: unreachable servers, wrong credentials, invalid options, malformed stream entries."""
from __future__ import annotations

import logging
import threading
import time

import pytest
import redis
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message
from caikit_compose_redis import (
    RedisAuthenticationError,
    RedisConfigError,
    RedisGroupStore,
    RedisMessageQueue,
    RedisUnavailableError,
)
from caikit_compose_redis._settings import redact

BACKENDS = [RedisMessageQueue, RedisGroupStore]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unreachable_url_fails_at_construction(backend, unused_port):
    url = f"redis://127.0.0.1:{unused_port}/0"
    with pytest.raises(RedisUnavailableError, match=r"Cannot reach Redis at") as info:
        backend({"url": url, "connect_timeout": 2})
    assert isinstance(info.value, ConnectionError)
    assert info.value.url == url


@pytest.mark.parametrize("factory", [MQ_FACTORY, GROUP_STORE_FACTORY])
def test_an_unknown_host_fails_at_construction_through_the_factory(factory):
    with pytest.raises(ConnectionError, match=r"no-such-host\.invalid"):
        factory.construct(
            {"type": "REDIS", "config": {"url": "redis://no-such-host.invalid:6379/0"}}
        )


@pytest.fixture(scope="module")
def password_redis(make_redis):
    return make_redis(["--requirepass", "s3cret"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_wrong_password_fails_at_construction_without_showing_it(password_redis, backend):
    url = f"redis://:wrong@127.0.0.1:{password_redis.port}/0"
    with pytest.raises(RedisAuthenticationError, match="refused the credentials") as info:
        backend({"url": url})
    assert isinstance(info.value, PermissionError)
    assert "wrong" not in str(info.value)
    assert ":***@" in str(info.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_missing_password_fails_at_construction(password_redis, backend):
    with pytest.raises(RedisAuthenticationError):
        backend({"url": password_redis.url})


def test_the_right_password_works_from_the_url_or_the_password_option(password_redis, namespace):
    url = f"redis://:s3cret@127.0.0.1:{password_redis.port}/0"
    for config in ({"url": url}, {"url": password_redis.url, "password": "s3cret"}):
        mq = RedisMessageQueue({**config, "namespace": namespace, "block_ms": 100})
        got = threading.Event()
        mq.create_topic("t")
        mq.subscribe("t", "g", lambda m, _got=got: _got.set())
        mq.publish("t", Message.from_data(StrSequence(["x"])))
        assert got.wait(10)
        mq.shutdown()
        gs = RedisGroupStore(config)
        assert gs.compare_and_set("G/s/k", None, 0) or gs.get_versioned("G/s/k").version
        gs.close()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("url", "http://localhost:6379"),
        ("url", 6379),
        ("namespace", "a{b}"),
        ("namespace", ""),
        ("maxlen", 0),
        ("maxlen", "100"),
        ("block_ms", True),
        ("ttl_s", -1),
        ("pool_size", 1.5),
        ("ssl_cert_reqs", "sometimes"),
    ],
)
def test_invalid_options_are_value_errors_that_quote_the_value(option, value):
    with pytest.raises(RedisConfigError, match=repr(option)) as info:
        RedisMessageQueue({option: value})
    assert isinstance(info.value, ValueError)
    assert repr(value) in str(info.value) or option == "url"


def test_redact_hides_passwords_only():
    assert redact("redis://:pw@h:1/0") == "redis://:***@h:1/0"
    assert redact("rediss://user:pw@h/0") == "rediss://user:***@h/0"
    assert redact("redis://h:1/0") == "redis://h:1/0"


def test_a_malformed_entry_is_logged_and_skipped(redis_server, redis_config, caplog):
    mq = RedisMessageQueue(redis_config)
    try:
        mq.create_topic("t")
        got = []
        done = threading.Event()

        def handler(message):
            got.append(message.header.data_id)
            if message.header.data_id == "last":
                done.set()

        mq.subscribe("t", "g", handler)
        mq.publish("t", Message.from_data(StrSequence(["x"]), data_id="first"))
        mq.flush(5)
        stream = f"{redis_config['namespace']}:mq:{{t}}:s"
        client = redis.Redis.from_url(redis_server.url)
        try:
            client.xadd(stream, {"2": b"\xff\xfe not a protobuf message"})
            client.xadd(stream, {"junk": b"payload"})
            client.xadd(stream, {"3": b"x", "4": b"y"})
        finally:
            client.close()
        with caplog.at_level(logging.WARNING):
            mq.publish("t", Message.from_data(StrSequence(["x"]), data_id="last"))
            assert done.wait(10)
            time.sleep(0.1)
        assert got == ["first", "last"]
        assert mq.stats["malformed"] == 3
        skipped = [r for r in caplog.records if "skipped malformed entry" in r.getMessage()]
        assert len(skipped) == 3
    finally:
        mq.shutdown()
