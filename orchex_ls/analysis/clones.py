"""Duplicate-code (clone) detection across a project: finding code OCX107.

Two phases.  :func:`fingerprint` (in :mod:`.clone_tokens`, re-exported here) runs per
file, in a worker process, and hashes each *unit* (a statement line, a compound
header, a clause line) twice: by its shape, with names and literals masked, and by its
exact text.  :func:`find_clones` runs once over all the fingerprints:

1. Every position gets a *window*: the fewest units from there that hold
   ``min_tokens`` tokens.  The window is content-defined, so equal runs of units have
   equal windows; positions are bucketed by the window's hash, and only buckets of two
   or more can start a clone.
2. Each bucket grows as a group, like a walk down a suffix trie: while all members
   agree on the next unit the clone grows; where they disagree the group is emitted
   (it can grow no further with all its copies) and splits into the subgroups that
   still agree, which grow on.  A group whose members all follow the same unit is
   skipped: the clone one unit to the left holds it and comes from its own bucket, so
   each maximal clone is emitted once.  Copies in one file may not overlap, so a run of
   repeated lines is not a clone of itself shifted by one.
3. This runs on the shapes, then on the exact texts within the shape buckets, which
   finds the type-1 clones hidden where a shape repeats back to back.
4. A clone is cut to whole sibling statements (statements of one block, each with all
   its body): the piece a refactoring can extract.  Each such run with ``min_lines``
   lines of code and ``min_tokens`` tokens is a :class:`CloneGroup`, "type-1" when all
   copies are the same text but for whitespace and comments, else "type-2" (and then
   only if it is more than one line shape repeated).  Groups that add nothing to a
   bigger one are dropped.

Cost: O(U log U) for U units to bucket the windows, and about the size of what it
emits for the walk; memory a few tens of bytes per unit.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from itertools import accumulate, compress, repeat

from orchex_ls.analysis.clone_tokens import CloneFingerprint, fingerprint, unpack
from orchex_ls.analysis.models import CloneGroup, CloneLocation

__all__ = [
    "CloneFingerprint",
    "fingerprint",
    "find_clones",
    "DEFAULT_MIN_LINES",
    "DEFAULT_MIN_TOKENS",
]

DEFAULT_MIN_LINES = 6
DEFAULT_MIN_TOKENS = 50


class _File:
    """A fingerprint, its units' first position in the project-wide sequence, and its
    fields unpacked on first use."""

    __slots__ = ("path", "base", "fp", "_fields")

    def __init__(self, path: str, base: int, fp: CloneFingerprint) -> None:
        self.path, self.base, self.fp = path, base, fp
        self._fields: dict[str, array] = {}

    def __getitem__(self, field: str) -> array:
        arr = self._fields.get(field)
        if arr is None:
            arr = self._fields[field] = unpack(self.fp, field)
        return arr


def find_clones(
    fingerprints: Mapping[str, CloneFingerprint],
    min_lines: int = DEFAULT_MIN_LINES,
    min_tokens: int = DEFAULT_MIN_TOKENS,
) -> list[CloneGroup]:
    """Clone groups of at least ``min_lines`` code lines and ``min_tokens`` tokens.

    Largest first (lines, then tokens, then place); each group's locations are sorted
    by path and line.  The result depends only on the fingerprints, not on the order
    of the mapping.
    """
    files = _files(fingerprints)
    starts = [f.base for f in files]
    ends = [_window_ends(f, max(min_tokens, 1)) for f in files]
    groups: dict[tuple[CloneLocation, ...], CloneGroup] = {}

    def collect(ids: list[int], buckets: Iterable[list[int]]) -> None:
        for members, length in _repeats(ids, buckets):
            copies = []
            for position in members:
                file = files[bisect_right(starts, position) - 1]
                copies.append((file, position - file.base))
            file, start = copies[0]
            if sum(file["tokens"][start : start + length]) < min_tokens:
                continue  # too small before it is even cut to whole statements
            for group in _statement_runs(copies, length, min_lines, min_tokens):
                groups.setdefault(group.locations, group)

    shapes = _layout(files, exact=False)
    buckets = _buckets(files, shapes, ends)
    collect(_ids(shapes), buckets)
    # Exact texts find the type-1 clones that a repeated shape hides: a block written
    # three times with other strings is periodic in shape, its copies would overlap
    # there, and the walk stops.  Equal texts have equal shapes, so only the shape
    # buckets need splitting.
    texts = _layout(files, exact=True)
    collect(_ids(texts), _split(buckets, starts, texts, ends))
    kept = _drop_redundant(list(groups.values()), min_lines, min_tokens)
    kept.sort(key=lambda g: (-g.lines, -g.tokens, [(loc.path, loc.line) for loc in g.locations]))
    return kept


def _files(fingerprints: Mapping[str, CloneFingerprint]) -> list[_File]:
    """Files with units in path order, each placed in the project-wide sequence after
    a sentinel slot."""
    files = []
    base = 1
    for path in sorted(fingerprints):
        fp = fingerprints[path]
        if fp.units:
            files.append(_File(path, base, fp))
            base += fp.units + 1
    return files


def _layout(files: list[_File], exact: bool) -> list[array]:
    """Each file's units: their shapes, or with ``exact`` their shapes and texts mixed."""
    if not exact:
        return [file["keys"] for file in files]
    return [
        array("Q", [key ^ (raw << 32 | raw) for key, raw in zip(f["keys"], f["raw"])])
        for f in files
    ]


def _ids(units: list[array]) -> list[int]:
    """All units in one list, with a unique negative sentinel before each file and
    after the last, so no match runs across a file boundary."""
    ids: list[int] = []
    for index, file_units in enumerate(units):
        ids.append(-1 - index)
        ids.extend(file_units)
    ids.append(-1 - len(units))
    return ids


def _window_ends(file: _File, need: int) -> array:
    """For each unit, one past the fewest units from there that hold ``need`` tokens
    (every unit holds one); only for the units where such a window fits in the file."""
    before = list(accumulate(file["tokens"], initial=0))  # tokens before each unit
    ends = array("i", map(bisect_left, repeat(before), map(need.__add__, before)))
    return ends[: bisect_left(ends, len(before))]


def _buckets(files: list[_File], units: list[array], ends: list[array]) -> list[list[int]]:
    """Positions whose windows hash alike, for each hash seen twice or more; a hash
    collision only costs time, as the walk compares the units themselves.  Built with
    ``map`` over C functions, as it touches every unit of the project."""
    digests: list[int] = []
    positions: list[int] = []
    for file, file_units, file_ends in zip(files, units, ends):
        view = file_units.tobytes()
        slices = map(slice, range(0, 8 * len(file_ends), 8), map((8).__mul__, file_ends))
        digests += map(hash, map(view.__getitem__, slices))
        positions += range(file.base, file.base + len(file_ends))
    repeated = {digest for digest, times in Counter(digests).items() if times > 1}
    shared: dict[int, list[int]] = {}
    for digest, position in compress(zip(digests, positions), map(repeated.__contains__, digests)):
        bucket = shared.get(digest)
        if bucket is None:
            shared[digest] = [position]
        else:
            bucket.append(position)
    return list(shared.values())


def _split(
    buckets: list[list[int]], starts: list[int], units: list[array], ends: list[array]
) -> Iterator[list[int]]:
    """The buckets split by the hash of the members' windows in ``units``."""
    for bucket in buckets:
        parts: dict[int, list[int]] = {}
        for position in bucket:
            index = bisect_right(starts, position) - 1
            unit = position - starts[index]
            window = units[index][unit : ends[index][unit]]
            parts.setdefault(hash(window.tobytes()), []).append(position)
        yield from (part for part in parts.values() if len(part) > 1)


def _repeats(ids: list[int], buckets: Iterable[list[int]]) -> Iterator[tuple[list[int], int]]:
    """Maximal repeats: (sorted member positions, length in units)."""
    for bucket in buckets:
        if _same_before(ids, bucket):
            continue
        todo = [(bucket, 0)]
        while todo:
            members, depth = todo.pop()
            # copies in one file must not overlap: cap the length at the nearest gap
            cap = min(b - a for a, b in zip(members, members[1:]))
            head, rest = members[0], members[1:]
            while depth < cap:
                unit = ids[head + depth]
                if unit < 0 or any(ids[p + depth] != unit for p in rest):
                    break
                depth += 1
            if depth:
                yield members, depth
            if depth == cap:
                continue
            split: dict[int, list[int]] = {}
            for position in members:
                unit = ids[position + depth]
                if unit >= 0:
                    split.setdefault(unit, []).append(position)
            for part in split.values():
                if len(part) > 1 and not _same_before(ids, part):
                    todo.append((part, depth + 1))


def _same_before(ids: list[int], members: list[int]) -> bool:
    """All members preceded by the same unit: the clone starts further left."""
    unit = ids[members[0] - 1]
    return unit >= 0 and all(ids[p - 1] == unit for p in members)


def _common_runs(copies: list[tuple[_File, int]], length: int) -> list[tuple[int, int, int]]:
    """Runs of whole sibling statements that all copies have at the same offsets within
    the repeat, as (first, end, last statement) offsets; outermost statements first, so
    a run is never nested in another."""
    facts = [(f["block"], f["line"], f["end_line"], start) for f, start in copies]
    runs: list[tuple[int, int, int]] = []
    first = end = last = -1  # the open run, when first >= 0
    blocks: list[int] = []  # its statement list in each copy
    offset = 0
    while offset < length:
        after = _statement_end(facts, offset, length)
        if after > 0:  # the same whole statement in every copy
            here = [block[start + offset] for block, _, _, start in facts]
            if first >= 0 and end == offset and here == blocks:
                end, last = after, offset
            else:
                if first >= 0:
                    runs.append((first, end, last))
                first, end, last, blocks = offset, after, offset, here
            offset = after
            continue
        # a clause line, or a statement that runs past the end in some copy: look inside
        if first >= 0:
            runs.append((first, end, last))
            first = -1
        offset += 1
    if first >= 0:
        runs.append((first, end, last))
    return runs


def _statement_end(facts: list[tuple[array, array, array, int]], offset: int, length: int) -> int:
    """The offset one past the statement starting at ``offset`` if every copy has a
    statement there, of the same length and inside the repeat; else -1."""
    after = -1
    for block, line, end_line, start in facts:
        unit = start + offset
        if block[unit] < 0:
            return -1
        limit = min(start + length + 1, len(line))
        stop = bisect_right(line, end_line[unit], unit + 1, limit) - start
        if stop > length or (after >= 0 and stop != after):
            return -1
        after = stop
    return after


def _statement_runs(
    copies: list[tuple[_File, int]], length: int, min_lines: int, min_tokens: int
) -> Iterator[CloneGroup]:
    """The clone groups left once a repeat is cut to whole statements."""
    for first, end, last in _common_runs(copies, length):
        file, start = copies[0]
        tokens = sum(file["tokens"][start + first : start + end])
        if tokens < min_tokens:
            continue
        lines = min(sum(f["code"][s + first : s + end]) for f, s in copies)
        if lines < min_lines:
            continue
        raw = file["raw"][start + first : start + end]
        identical = all(f["raw"][s + first : s + end] == raw for f, s in copies)
        if not identical and _distinct_tokens(file, start + first, start + end) < min_tokens:
            continue  # alike only in shape, and that shape is mostly one line repeated
        places = sorted((f.path, f["line"][s + first], f["end_line"][s + last]) for f, s in copies)
        yield CloneGroup(
            lines=lines,
            tokens=tokens,
            kind="type-1" if identical else "type-2",
            locations=tuple(CloneLocation(path=p, line=a, end_line=b) for p, a, b in places),
        )


def _distinct_tokens(file: _File, start: int, stop: int) -> int:
    """Tokens of the distinct unit shapes in units [start, stop): same-shaped lines
    (``X = 1``, ``Y = 2``, ...; ``check("a")``, ``check("b")``, ...) count once, as
    two such runs are alike in shape without sharing any logic."""
    shapes = dict(zip(file["keys"][start:stop], file["tokens"][start:stop]))
    return sum(shapes.values())


def _drop_redundant(groups: list[CloneGroup], min_lines: int, min_tokens: int) -> list[CloneGroup]:
    """Drop a group that says little beyond another one:

    * its copies each lie inside a different copy of a group with as many copies or
      more (a part of a bigger clone), or
    * its copies each hold a different copy of a group with more copies, and what it
      adds to that group is below the thresholds (``x = 1`` before a function that has
      a third copy elsewhere, preceded by ``y = 2``).
    """
    places: dict[str, list[tuple[int, int, int, int]]] = {}  # path -> (line, end, group, copy)
    for index, group in enumerate(groups):
        for copy, loc in enumerate(group.locations):
            places.setdefault(loc.path, []).append((loc.line, loc.end_line, index, copy))

    def matches(loc: CloneLocation, inside: bool) -> dict[int, int]:
        """group -> its copy that contains ``loc`` (``inside``) or that ``loc`` contains"""
        found = {}
        for line, end, index, copy in places[loc.path]:
            if inside:
                hit = line <= loc.line and loc.end_line <= end
            else:
                hit = loc.line <= line and end <= loc.end_line
            if hit:
                found[index] = copy
        return found

    def paired(index: int, rival: int, inside: bool) -> bool:
        """each copy of group ``index`` matched to a different copy of ``rival``"""
        copies = [matches(loc, inside).get(rival) for loc in groups[index].locations]
        return None not in copies and len(set(copies)) == len(copies)

    kept = []
    for index, group in enumerate(groups):
        size, first = len(group.locations), group.locations[0]
        redundant = any(
            paired(index, rival, inside=True)
            for rival in matches(first, inside=True)
            if rival != index and len(groups[rival].locations) >= size
        ) or any(
            paired(index, rival, inside=False)
            and (
                group.tokens - groups[rival].tokens < min_tokens
                or group.lines - groups[rival].lines < min_lines
            )
            for rival in matches(first, inside=False)
            if len(groups[rival].locations) > size
        )
        if not redundant:
            kept.append(group)
    return kept
