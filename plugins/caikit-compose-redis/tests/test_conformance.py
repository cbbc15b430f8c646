"""The REDIS backends pass caikit-compose's conformance checks (the contracts of
``caikit_compose.group_store.base`` and ``caikit_compose.message_queue.base``), including
tombstones, idle ttl expiry and the dense publish sequence."""
from __future__ import annotations

import logging

from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY
from caikit_compose.testing import check_group_store, check_message_queue


def test_redis_group_store_conforms(redis_config):
    stores = []

    def make():
        stores.append(GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": redis_config}))
        return stores[-1]

    try:
        check_group_store(make)
    finally:
        for store in stores:
            store.close()


def test_redis_message_queue_conforms(redis_config, caplog):
    # one entry per read, so that the two members of a group take turns on 20 messages
    config = {**redis_config, "count": 1}
    with caplog.at_level(logging.CRITICAL):
        check_message_queue(
            lambda: MQ_FACTORY.construct({"type": "REDIS", "config": config}),
            publish_sequence=True,
        )
