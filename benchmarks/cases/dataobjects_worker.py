"""Worker (runs in the measured environment): data-object operations per CPU second.

Workload: ``Batch{id: str, items: List[Item]}`` holding 10
``Item{name: str, count: int, score: float, blob: bytes (32), kind: enum}``.

Usage: ``python dataobjects_worker.py caikit|raw SECONDS`` prints one JSON line of
``{op: ops_per_cpu_second}``. ``caikit`` uses ``caikit.core.dataobject`` (ours or the
reference, same code); ``raw`` is the practical limit with plain protobuf and json.
"""

# No "from __future__ import annotations": caikit reads the annotations as types.

import base64
import json
import sys
from enum import Enum
from typing import List

from harness.timing import ops_per_cpu_second

N_ITEMS = 10
BLOB = bytes(range(32))


def caikit_ops() -> dict:
    """The five data-object operations, written against caikit's public API."""
    from caikit.core import DataObjectBase, dataobject

    @dataobject(package="bench.data_model")
    class Kind(Enum):
        UNKNOWN = 0
        FOO = 1
        BAR = 2

    @dataobject(package="bench.data_model")
    class Item(DataObjectBase):
        name: str
        count: int
        score: float
        blob: bytes
        kind: Kind

    @dataobject(package="bench.data_model")
    class Batch(DataObjectBase):
        id: str
        items: List[Item]

    def construct():
        return Batch(
            id="batch-0001",
            items=[
                Item(name=f"item-{i}", count=i, score=i * 0.5, blob=BLOB, kind=Kind.FOO)
                for i in range(N_ITEMS)
            ],
        )

    batch = construct()
    proto = batch.to_proto()
    text = batch.to_json()
    # Compared through JSON: the reference hands enums back as ints, so == is too strict.
    if Batch.from_json(text).to_json() != text or Batch.from_proto(proto).to_json() != text:
        raise SystemExit("round trip changed the batch")
    return {
        "construct": construct,
        "to_proto": batch.to_proto,
        "from_proto": lambda: Batch.from_proto(proto),
        "to_json": batch.to_json,
        "from_json": lambda: Batch.from_json(text),
    }


def raw_ops() -> dict:
    """Practical limits: the same message with plain protobuf, and plain ``json``."""
    from harness.wire import MESSAGES

    Batch, Item = MESSAGES["Batch"], MESSAGES["Item"]

    def construct():
        return Batch(
            id="batch-0001",
            items=[
                Item(name=f"item-{i}", count=i, score=i * 0.5, blob=BLOB, kind=1)
                for i in range(N_ITEMS)
            ],
        )

    msg = construct()
    data = msg.SerializeToString()
    as_dict = {
        "id": "batch-0001",
        "items": [
            {
                "name": f"item-{i}",
                "count": i,
                "score": i * 0.5,
                "blob": base64.b64encode(BLOB).decode(),
                "kind": "FOO",
            }
            for i in range(N_ITEMS)
        ],
    }
    text = json.dumps(as_dict)
    return {
        "construct": construct,
        "to_proto": msg.SerializeToString,  # encode
        "from_proto": lambda: Batch.FromString(data),  # decode
        "to_json": lambda: json.dumps(as_dict),
        "from_json": lambda: json.loads(text),
    }


def main() -> None:
    """Measure every operation and print the rates as JSON."""
    mode, seconds = sys.argv[1], float(sys.argv[2])
    ops = caikit_ops() if mode == "caikit" else raw_ops()
    print(json.dumps({name: ops_per_cpu_second(fn, seconds) for name, fn in ops.items()}))


if __name__ == "__main__":
    main()
