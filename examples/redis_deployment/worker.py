"""One worker process of the example application (a pod of the ``compose-workers`` Deployment).

Connects to Redis (see ``app.py`` for the environment variables), subscribes the actors and
serves until SIGTERM or SIGINT, then leaves its consumer groups cleanly. Prints ``ready`` once
subscribed, and its counters every ``--report-every`` seconds and at exit.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-every", type=float, default=0, help="seconds (0: only at exit)")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    mq, gs = app.connect()
    actors = app.start_actors(mq, gs)
    print("ready", app.WORKER, flush=True)
    while not stop.wait(args.report_every or None):
        print(json.dumps({"worker": app.WORKER, **mq.stats}), flush=True)
    stats = mq.stats
    for actor in actors:
        actor.unsubscribe()
    mq.shutdown()
    gs.close()
    print(json.dumps({"worker": app.WORKER, "final": True, **stats}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
