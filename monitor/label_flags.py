"""A column of labels' categories JSON read in one go: which categories each label flags or marks *mogelijk*.

Judging a million labels one ``json.loads`` at a time was most of a dashboard build and of refreshing the weekly
aggregates; pyarrow's JSON reader parses the whole column in C++. Whatever it cannot read the way the label writer
(``monitor.classify``) writes it, a text that is not one JSON object per line, a category that is not an object, a
``flagged`` that is not true or false, makes ``read_flags`` return None, and the caller judges those labels one by
one as before: the same answer, only slower.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

log = logging.getLogger(__name__)

FLAG_FIELDS = ("flagged", "possible")


@dataclass(frozen=True)
class Flags:
    """Per label (rows) and category (columns, ``names``): flagged, and marked *mogelijk*."""

    names: list[str]
    flagged: np.ndarray
    possible: np.ndarray

    def column(self, name: str, which: str = "flagged") -> np.ndarray:
        values = self.flagged if which == "flagged" else self.possible
        if name in self.names:
            return values[:, self.names.index(name)]
        return np.zeros(len(values), dtype=bool)

    def flagged_names(self) -> list[tuple[str, ...]]:
        """Per label, the names of its flagged categories (in name order). Labels flagging the same categories
        share one tuple: a million labels hold a few dozen combinations, not a million lists."""
        if not self.names:
            return [()] * len(self.flagged)
        bits = self.flagged.astype(np.int64) @ (np.int64(1) << np.arange(len(self.names), dtype=np.int64))
        combinations, which = np.unique(bits, return_inverse=True)
        named = [tuple(n for j, n in enumerate(self.names) if (int(c) >> j) & 1) for c in combinations.tolist()]
        return [named[i] for i in which.tolist()]


def read_flags(texts: pa.Array, known: tuple[str, ...] = ()) -> Flags | None:
    """The flags of every text (a pyarrow string array without nulls, each a JSON object {category: {"flagged":
    bool, "possible": bool, ...}}), or None when any text is not in that form. ``known``: category names given a
    fixed type up front."""
    texts = texts.cast(pa.large_string())
    if len(texts) == 0:
        return Flags([], np.zeros((0, 0), dtype=bool), np.zeros((0, 0), dtype=bool))
    if texts.null_count or pc.any(pc.match_substring_regex(texts, "[\r\n]")).as_py():
        return None  # one object per line is what the reader takes; the label writer never puts newlines in
    one_list = pa.LargeListArray.from_arrays(pa.array([0, len(texts)], pa.int64()), texts)
    lines = pc.binary_join(one_list, pa.scalar("\n", pa.large_string()))[0].as_buffer()
    category = pa.struct([("flagged", pa.bool_()), ("possible", pa.bool_()), ("evidence", pa.list_(pa.string()))])
    options = pa_json.ParseOptions(explicit_schema=pa.schema([(name, category) for name in known]),
                                   unexpected_field_behavior="infer")
    try:
        table = pa_json.read_json(pa.BufferReader(lines), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as error:
        log.debug("labels niet in één keer te lezen, per label: %s", error)
        return None
    if table.num_rows != len(texts):
        return None
    names, flagged, possible = [], [], []
    for name, column in zip(table.column_names, table.columns, strict=True):
        values = [_flag(column, which) for which in FLAG_FIELDS]
        if values[0] is None or values[1] is None:
            return None
        names.append(name)
        flagged.append(values[0])
        possible.append(values[1])
    order = sorted(range(len(names)), key=names.__getitem__)
    shape = (len(texts), 0)
    return Flags([names[i] for i in order],
                 np.column_stack([flagged[i] for i in order]) if names else np.zeros(shape, dtype=bool),
                 np.column_stack([possible[i] for i in order]) if names else np.zeros(shape, dtype=bool))


def _flag(column: pa.ChunkedArray, which: str) -> np.ndarray | None:
    """``which`` of one category's column as booleans (absent or null = false); None if it is not that shape."""
    if pa.types.is_null(column.type):
        return np.zeros(len(column), dtype=bool)
    if not pa.types.is_struct(column.type):
        return None
    kind = column.type
    index = kind.get_field_index(which)
    if index < 0:
        return np.zeros(len(column), dtype=bool)
    if not (pa.types.is_boolean(kind.field(index).type) or pa.types.is_null(kind.field(index).type)):
        return None
    parts = [chunk.field(index) for chunk in column.chunks]  # a null object counts as not flagged, as below
    valid = [chunk.is_valid() for chunk in column.chunks]
    values = [pc.and_kleene(pc.fill_null(part.cast(pa.bool_()), False), ok)
              for part, ok in zip(parts, valid, strict=True)]
    return np.concatenate([v.to_numpy(zero_copy_only=False) for v in values]) if values else np.zeros(0, dtype=bool)
