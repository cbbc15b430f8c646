"""Shared fixtures: queues and stores, and the data objects the tests publish."""
from __future__ import annotations

from typing import List

import pytest
from caikit.core.data_model import DataObjectBase, dataobject
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY

PKG = "compose_tests"


@dataobject(package=PKG)
class Text(DataObjectBase):
    text: str


@dataobject(package=PKG)
class Number(DataObjectBase):
    value: int


@dataobject(package=PKG)
class Words(DataObjectBase):
    words: List[str]


class Types:
    """The test data objects, handed to tests by the ``types`` fixture."""

    Text = Text
    Number = Number
    Words = Words


@pytest.fixture
def types():
    return Types


@pytest.fixture(params=[0, 1, 2, 8], ids=lambda t: f"threads={t}")
def any_mq(request):
    """A LOCAL queue in synchronous mode and with 1, 2 and 8 worker threads."""
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": request.param}})
    yield mq
    mq.shutdown()


@pytest.fixture
def mq():
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    yield mq
    mq.shutdown()


@pytest.fixture
def gs():
    return GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
