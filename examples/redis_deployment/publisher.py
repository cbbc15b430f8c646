"""Publish documents to the example application (the ``publisher`` Job) and, with ``--collect``,
wait for their reports and summarize who did the work.

Exit status 0 when every document was reported exactly once (with ``--collect``).
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import app
from caikit_compose import Message


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="documents to publish")
    parser.add_argument("--collect", action="store_true", help="wait for the reports")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for reports")
    args = parser.parse_args(argv)

    mq, gs = app.connect()
    reports: dict = {}
    duplicates = 0
    lock = threading.Lock()
    done = threading.Event()

    def on_report(message: Message) -> None:
        nonlocal duplicates
        with lock:
            if message.header.data_id in reports:
                duplicates += 1
            reports[message.header.data_id] = message.unwrapped
            if len(reports) >= args.count:
                done.set()

    if args.collect:
        mq.subscribe(app.Report.full_name, "collector", on_report)
    started = time.monotonic()
    for number in range(args.count):
        mq.publish(
            app.Document.full_name,
            Message.from_data(app.Document(text=app.document(number)), data_id=f"doc-{number}"),
        )
    mq.flush()
    published = time.monotonic() - started
    ok = True
    summary = {"published": args.count, "publish_seconds": round(published, 3)}
    if args.collect:
        ok = done.wait(args.timeout)
        time.sleep(0.2)  # a duplicate would arrive now
        elapsed = time.monotonic() - started
        with lock:
            pairs = collections.Counter((r.counted_by, r.reported_by) for r in reports.values())
            counted = collections.Counter(r.counted_by for r in reports.values())
            reported = collections.Counter(r.reported_by for r in reports.values())
            summary.update(
                reports=len(reports),
                duplicates=duplicates,
                seconds=round(elapsed, 3),
                documents_per_second=round(len(reports) / elapsed),
                counted_by=dict(counted),
                reported_by=dict(reported),
                handled_by_two_workers=sum(n for (a, b), n in pairs.items() if a != b),
            )
        ok = ok and len(reports) == args.count and duplicates == 0
    mq.shutdown()
    gs.close()
    print(json.dumps(summary), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
