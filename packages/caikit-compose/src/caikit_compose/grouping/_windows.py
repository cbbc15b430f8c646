"""COUNT_GROUPING's windows over the publish sequence, kept in blocks of consecutive windows.

Frame ``q`` (``p = q - 1``) belongs to the windows ``k`` with
``k * stride <= p < k * stride + size``. Windows are stored ``B`` at a time: block ``b`` is the
key ``<group id>/b/<b>`` holding a :class:`~caikit_compose.grouping._states.WindowBlock` for
windows ``[b * B, (b + 1) * B)``: the frames those windows need so far (by sequence) and which of
them completed. ``B = 4 * ceil(size / stride)`` (at most 62), so a frame belongs to one block, or (at most one
time in four) two.

Adding a frame is one compare-and-set on each of its blocks (read together with
``get_versioned_many``, written together with ``compare_and_set_many``). The compare-and-set
that adds a window's last frame also marks the window done, so every window is emitted exactly
once, by whichever replica or process completed it, whatever the order frames arrive in. Frames
only completed windows need are pruned, and a block whose windows all completed becomes a
tombstone (or is deleted). A missing frame leaves only its own windows partial: they expire
after ``partial_ttl``, every other window completes normally.

Why blocks and not one key per window: a frame belongs to ``size / stride`` windows, and a
key per window would cost that many writes per frame, each rewriting up to ``size`` frames
(O(size²) bytes per frame on an external store). Blocks cost one or two writes per frame, each
rewriting about ``size`` frames (frames only completed windows need are pruned), and a window
still completes in one atomic step on one key.
"""
from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ..errors import GroupStoreContentionError
from ..group_store.base import DEFAULT_MAX_ATTEMPTS, DELETE, TOMBSTONE, Versioned
from ..message import Message
from ._states import WindowBlock
from .compound_grouping_base import read_states

if TYPE_CHECKING:  # pragma: no cover
    from .count_grouping import CountGrouping

__all__ = ["SequenceWindows", "maximal"]

# outcome of offering a frame to one block
_ADDED, _DUPLICATE, _COMPLETED = 0, 1, 2
_GENERAL = object()  # "not the common case": see SequenceWindows._append
_MAX_BLOCK = 62  # windows per block: ``done`` is a bit mask and travels as an int64
_KEY_CACHE = 1024
_new_block = tuple.__new__

#: a window that did not complete: (sequences, frames)
Partial = Tuple[Tuple[int, ...], Tuple[Any, ...]]


class SequenceWindows:
    """The windows of one COUNT_GROUPING over the publish sequence (see the module docstring)."""

    def __init__(self, grouping: CountGrouping):
        self._grouping = grouping
        self._store = grouping.group_store
        self._size = grouping.window_size
        self._stride = grouping.window_stride
        #: windows per block: four times the windows a frame belongs to, so that most frames
        #: touch one block (a frame's windows straddle two blocks one time in four at most)
        self.block = min(4 * -(-self._size // self._stride), _MAX_BLOCK)
        self._full = (1 << self.block) - 1
        self.prefix = f"{grouping.group_id}/b/"
        self._keys: Dict[int, str] = {}

    def windows_of(self, sequence: int) -> range:
        """The indexes ``k`` of the windows that frame ``sequence`` belongs to (empty when the
        stride skips it)."""
        position = sequence - 1
        stride = self._stride
        return range(max(0, (position - self._size) // stride + 1), position // stride + 1)

    def add(
        self, frame: Any, sequence: int, message: Message
    ) -> Optional[Union[Message, List[Message]]]:
        """Offer ``frame`` (numbered ``sequence``) to each block holding one of its windows;
        return the window messages it completes. ``message`` is named in logs if dropped."""
        position = sequence - 1
        stride = self._stride
        last = position // stride
        first = (position - self._size) // stride + 1
        if first < 0:
            first = 0
        grouping = self._grouping
        if first > last:
            grouping._count("skipped")
            return None
        size = self.block
        if first // size == last // size:  # the common case: one block
            block = first // size
            key = self._keys.get(block) or self._key(block)
            store = self._store
            current = store.get_versioned(key)
            state = current[0]
            if state.__class__ is WindowBlock:
                out = self._append(key, block, current, frame, sequence, first, last)
                if out is not _GENERAL:
                    return out
            outcome, state, done = self._plan(block, state, frame, sequence, first, last)
            if outcome == _ADDED:
                if state.__class__ is not WindowBlock:  # the block completes: tombstone it
                    outcome, done = self._offer(key, block, frame, sequence, first, last, current)
                elif not store.compare_and_set(key, state, current[1], ttl=grouping._store_ttl):
                    outcome, done = self._offer(key, block, frame, sequence, first, last)
            refused = [] if outcome == _ADDED else [outcome]
            blocks = 1
        else:
            done, refused, blocks = self._add_to_blocks(frame, sequence, first, last)
        if len(refused) == blocks:  # no block took the frame
            if _COMPLETED in refused:
                grouping._drop(
                    "dropped_completed", message, f"publish sequence {sequence}: its windows completed"
                )
            else:
                grouping._drop(
                    "dropped_duplicate", message, f"publish sequence {sequence}: already in its windows"
                )
        if not done:
            return None
        if len(done) == 1:
            return grouping._window_message(done[0])
        return [grouping._window_message(frames) for frames in done]

    def _append(
        self,
        key: str,
        block: int,
        current: Versioned,
        frame: Any,
        sequence: int,
        first: int,
        last: int,
    ) -> Any:
        """The common case of :meth:`add`, written out: frames arriving in order, each the
        newest of its block, completing at most the window that ends with it and not the
        block's last window. Returns the window message, None, or ``_GENERAL`` when the case
        is another one (or the write lost a race): then :meth:`add` goes the general way."""
        sequences, frames, done = current[0]
        base = block * self.block
        if (sequences and sequence <= sequences[-1]) or done >> (last - base) & 1:
            return _GENERAL  # a late frame, or a duplicate of one already counted
        size, stride = self._size, self._stride
        sequences = sequences + (sequence,)  # noqa: RUF005 (faster than unpacking)
        frames = frames + (frame,)  # noqa: RUF005
        window, misaligned = divmod(sequence - size, stride)  # the window ending here
        completed = None
        if not misaligned and window >= first and len(sequences) >= size:
            if sequences[-size] == sequence - size + 1:  # sorted, unique: all of it is here
                done |= 1 << (window - base)
                if done == self._full:
                    return _GENERAL  # the block completes: tombstone it
                completed = frames[-size:]
                # frames before the first window still open are needed by no open window
                open_windows = ~done & self._full
                keep = (base + (open_windows & -open_windows).bit_length() - 1) * stride + 1
                if sequences[0] < keep:
                    cut = bisect.bisect_left(sequences, keep)
                    sequences, frames = sequences[cut:], frames[cut:]
        grouping = self._grouping
        if not self._store.compare_and_set(
            key, _new_block(WindowBlock, (sequences, frames, done)), current[1], ttl=grouping._store_ttl
        ):
            return _GENERAL
        return None if completed is None else grouping._window_message(completed)

    def _add_to_blocks(
        self, frame: Any, sequence: int, first: int, last: int
    ) -> Tuple[List[Tuple[Any, ...]], List[int], int]:
        """Add a frame whose windows straddle blocks: read the blocks together, write them
        together, retry a block alone if its write lost a race. Returns the frames of the
        windows completed, the outcomes of the blocks that refused the frame, and how many
        blocks there were."""
        size = self.block
        blocks = range(first // size, last // size + 1)
        keys = [self._keys.get(b) or self._key(b) for b in blocks]
        store = self._store
        writes = []
        targets = []  # per write: its block, and the frames of the windows it completes
        completed: List[Tuple[Any, ...]] = []
        refused = []
        for block, key, current in zip(blocks, keys, store.get_versioned_many(keys)):
            outcome, state, done = self._plan(block, current[0], frame, sequence, first, last)
            if outcome != _ADDED:
                refused.append(outcome)
            elif state is DELETE and not current[1]:  # nothing stored, nothing to delete
                completed += done
            else:
                writes.append((key, state, current[1], self._ttl(state)))
                targets.append((block, done))
        if writes:
            results = store.compare_and_set_many(writes)
            for write, (block, done), written in zip(writes, targets, results):
                if not written:  # lost a race: this block alone, on fresh state
                    outcome, done = self._offer(write[0], block, frame, sequence, first, last)
                    if outcome != _ADDED:
                        refused.append(outcome)
                        continue
                completed += done
        return completed, refused, len(blocks)

    def _plan(
        self, block: int, state: Any, frame: Any, sequence: int, first: int, last: int
    ) -> Tuple[int, Any, List[Tuple[Any, ...]]]:
        """What adding frame ``sequence`` (of windows ``first..last``) does to ``block``:
        ``(_ADDED, new state, frames of the windows it completes)``, or
        ``(_DUPLICATE | _COMPLETED, None, [])``. The new state is a ``WindowBlock``,
        ``TOMBSTONE`` or ``DELETE`` (every window of the block completed)."""
        windows_per_block = self.block
        base = block * windows_per_block
        low = first if first > base else base
        high = last if last < base + windows_per_block else base + windows_per_block - 1
        if state is None:
            sequences: Tuple[int, ...] = ()
            frames: Tuple[Any, ...] = ()
            done = 0
        elif state is TOMBSTONE:
            return _COMPLETED, None, []
        else:
            sequences, frames, done = state
            mine = ((1 << (high - low + 1)) - 1) << (low - base)
            if done & mine == mine:  # every window of this frame in the block completed
                return _COMPLETED, None, []
        size, stride = self._size, self._stride
        if not sequences or sequence > sequences[-1]:
            sequences = sequences + (sequence,)  # noqa: RUF005 (faster than unpacking)
            frames = frames + (frame,)  # noqa: RUF005
            # the newest frame: only a window ending with it can have become complete
            window, misaligned = divmod(sequence - size, stride)
            candidates: Sequence[int] = (
                () if misaligned or not low <= window <= high else (window,)
            )
        else:
            at = bisect.bisect_left(sequences, sequence)
            if sequences[at] == sequence:
                return _DUPLICATE, None, []
            sequences = (*sequences[:at], sequence, *sequences[at:])
            frames = (*frames[:at], frame, *frames[at:])
            candidates = range(low, high + 1)
        completed = []
        count = len(sequences)
        for window in candidates:
            bit = 1 << (window - base)
            if done & bit or count < size:
                continue
            start = window * stride + 1
            i = bisect.bisect_left(sequences, start)
            j = i + size - 1
            # sorted and unique: ``size`` of them from ``start`` on are exactly the window's
            if j < count and sequences[j] == start + size - 1:
                done |= bit
                completed.append(frames[i : j + 1])
        if done == self._full:
            finished = TOMBSTONE if self._grouping.tombstone_ttl is not None else DELETE
            return _ADDED, finished, completed
        if completed:
            # frames before the first window still open are needed by no open window
            open_windows = ~done & self._full
            keep = (base + (open_windows & -open_windows).bit_length() - 1) * stride + 1
            if sequences[0] < keep:
                cut = bisect.bisect_left(sequences, keep)
                sequences, frames = sequences[cut:], frames[cut:]
        return _ADDED, _new_block(WindowBlock, (sequences, frames, done)), completed

    def _ttl(self, state: Any) -> Optional[float]:
        if state is TOMBSTONE:
            return self._grouping.tombstone_ttl
        return None if state is DELETE else self._grouping._store_ttl

    def _offer(
        self,
        key: str,
        block: int,
        frame: Any,
        sequence: int,
        first: int,
        last: int,
        current: Optional[Versioned] = None,
    ) -> Tuple[int, List[Tuple[Any, ...]]]:
        """:meth:`_plan` and write ``block`` alone, retrying lost races:
        ``(outcome, frames of the windows completed)``. ``current``: the block as just read
        (default: read it)."""
        store = self._store
        for _ in range(DEFAULT_MAX_ATTEMPTS):
            if current is None:
                current = store.get_versioned(key)
            outcome, state, done = self._plan(block, current[0], frame, sequence, first, last)
            if outcome != _ADDED:
                return outcome, []
            version = current[1]
            if state is DELETE:
                written = not version or store.compare_and_delete(key, version)
            elif state is TOMBSTONE:
                written = store.compare_and_tombstone(
                    key, version, ttl=self._grouping.tombstone_ttl
                )
            else:
                written = store.compare_and_set(
                    key, state, version, ttl=self._grouping._store_ttl
                )
            if written:
                return _ADDED, done
            current = None
        raise GroupStoreContentionError(key, DEFAULT_MAX_ATTEMPTS)

    def _key(self, block: int) -> str:
        """The store key of ``block`` (cached: consecutive frames share blocks)."""
        cache = self._keys
        if len(cache) >= _KEY_CACHE:
            cache.clear()
        key = cache[block] = self.prefix + str(block)
        return key

    # -- expiry, close, introspection ----------------------------------------------------------

    def keys(self) -> List[str]:
        """The store keys of this grouping's blocks (partial or tombstoned), oldest first."""
        return sorted(self._store.scan(self.prefix), key=_block_index)

    def expire(self, now: float) -> List[Message]:
        """Expire blocks idle for ``partial_ttl`` (each once, by compare-and-delete); their
        open windows with frames count as ``expired``, and with ``emit_partial`` the
        :func:`maximal` ones are delivered."""
        grouping = self._grouping
        ttl = grouping.partial_ttl
        partials = self._take(lambda current: now - current.updated_at >= ttl)
        grouping._count("expired", len(partials))
        if not grouping.emit_partial:
            return []
        return [grouping._window_message(frames, "expired") for _, frames in maximal(partials)]

    def close(self, flush: bool) -> List[Message]:
        """Delete every partial block; with ``flush`` deliver the :func:`maximal` open windows,
        else count them in ``dropped_on_close``."""
        partials = self._take(lambda current: True)
        if not flush:
            self._grouping._count("dropped_on_close", len(partials))
            return []
        return [self._grouping._window_message(f, "closed") for _, f in maximal(partials)]

    def _take(self, wanted: Callable[[Versioned], bool]) -> List[Partial]:
        """Compare-and-delete the partial blocks ``wanted`` accepts; their open windows that
        hold frames, oldest first."""
        store = self._store
        partials: List[Partial] = []
        for key, current in read_states(store, self.keys()):
            state = current.state
            if isinstance(state, WindowBlock) and wanted(current):
                if store.compare_and_delete(key, current.version):
                    partials.extend(self._open_windows(_block_index(key), state))
        return partials

    def _open_windows(self, block: int, state: WindowBlock) -> List[Partial]:
        sequences, frames, done = state
        out = []
        for offset in range(self.block):
            if done >> offset & 1:
                continue
            start = (block * self.block + offset) * self._stride + 1
            i = bisect.bisect_left(sequences, start)
            j = bisect.bisect_left(sequences, start + self._size)
            if i < j:
                out.append((sequences[i:j], frames[i:j]))
        return out

    def pending_messages(self) -> List[Message]:
        """The messages of the frames partial blocks hold, each frame once, by sequence."""
        frames: Dict[int, tuple] = {}
        for _, current in read_states(self._store, self.keys()):
            state = current.state
            if isinstance(state, WindowBlock):
                for index, sequence in enumerate(state.sequences):
                    frames.setdefault(sequence, state.frame_messages(index))
        return [m for sequence in sorted(frames) for m in frames[sequence]]


def _block_index(key: str) -> int:
    try:
        return int(key.rsplit("/", 1)[-1])
    except ValueError:
        return -1


def maximal(partials: List[Partial]) -> List[Partial]:
    """The partial windows worth delivering: those whose frames are not all held by another
    one of ``partials`` (an earlier one, when two hold the same frames), in the given order.

    At the end of a stream (or the start of a subscription) the partial windows of a sliding
    window nest inside each other; delivering only the largest gives each frame once instead
    of up to ``window_size - 1`` times.
    """
    sets = [frozenset(sequences) for sequences, _ in partials]
    # a window can only be inside one that also holds its first frame
    holders: Dict[int, List[int]] = {}
    for index, (sequences, _) in enumerate(partials):
        for sequence in sequences:
            holders.setdefault(sequence, []).append(index)
    out = []
    for index, mine in enumerate(sets):
        covered = any(
            other != index and mine <= sets[other] and (mine != sets[other] or other < index)
            for other in holders[partials[index][0][0]]
        )
        if not covered:
            out.append(partials[index])
    return out
