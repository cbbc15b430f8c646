"""The plugin is found only through its entry points, and importing it stays cheap."""
from __future__ import annotations

import subprocess
import sys

from caikit.core.toolkit import plugins
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY
from caikit_compose_redis import RedisGroupStore, RedisMessageQueue


def test_both_backends_are_entry_points_of_this_distribution():
    for group, cls in (
        ("caikit_compose.message_queues", RedisMessageQueue),
        ("caikit_compose.group_stores", RedisGroupStore),
    ):
        (plugin,) = plugins.plugins(group)["REDIS"]
        assert plugin.distribution == "caikit-compose-redis"
        assert plugin.entry_point.load() is cls
    assert MQ_FACTORY.get_class("REDIS") is RedisMessageQueue
    assert GROUP_STORE_FACTORY.get_class("REDIS") is RedisGroupStore


def test_importing_the_package_does_not_import_redis():
    code = (
        "import sys, caikit_compose_redis; "
        "assert 'redis' not in sys.modules, 'redis imported'; "
        "print(sorted(caikit_compose_redis.__all__))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "RedisMessageQueue" in done.stdout
