"""Stable feature hashing (Python's ``hash()`` is salted per process, so it cannot be used
for a model that is saved and loaded elsewhere)."""
import hashlib
from typing import Tuple


def bucket_and_sign(feature: str, buckets: int) -> Tuple[int, float]:
    """Map a feature string to a bucket in ``range(buckets)`` and a sign of +1.0 or -1.0.

    The sign halves the bias that collisions add to a bucket (the "hashing trick").
    """
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    sign = 1.0 if value >> 63 == 0 else -1.0
    return value % buckets, sign
