"""The LOCAL backends pass the conformance checks offered to other backends."""
import logging

from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY
from caikit_compose.testing import check_group_store, check_message_queue


def test_local_group_store_conforms():
    check_group_store(lambda: _shared)


# a short gc_interval so that the ttl check sees idle keys dropped quickly
_shared = GROUP_STORE_FACTORY.construct({"type": "LOCAL", "config": {"gc_interval": 0.05}})


def test_local_message_queue_conforms(caplog):
    with caplog.at_level(logging.CRITICAL):
        for threads in (0, 2):
            check_message_queue(
                lambda threads=threads: MQ_FACTORY.construct(
                    {"type": "LOCAL", "config": {"threads": threads}}
                ),
                publish_sequence=True,
            )
