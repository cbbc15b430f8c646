"""Wait until workers subscribed to the application's input topics (an init container of the
publisher Job): a message published before any subscriber group exists reaches nobody.

Exit status 0 when every input topic has a subscriber group, 1 after ``--timeout`` seconds.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import app

INPUT_TOPICS = (app.Document.full_name, app.WordStats.full_name)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    mq = None
    while time.monotonic() < deadline:
        try:
            mq = mq or app.connect()[0]
            waiting = [t for t in INPUT_TOPICS if not mq.lag(t)]
        except ConnectionError as err:  # Redis not up yet
            print(f"waiting for Redis: {err}", flush=True)
            time.sleep(2)
            continue
        if not waiting:
            print("workers are subscribed", flush=True)
            mq.shutdown()
            return 0
        print(f"waiting for subscribers of {waiting}", flush=True)
        time.sleep(2)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
