"""Reading a result from a driver within the row cap and the byte cap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# Rows asked of a driver at a time: the byte cap is checked before much more
# than it is held, in few round trips.
_BATCH_ROWS = 256


def json_size(row: Sequence[Any]) -> int:
    """About the UTF-8 length of a row in a JSON list of rows (", " between
    items): cheap, each value looked at once."""
    size = 4
    for value in row:
        if value is None:
            size += 6
        elif isinstance(value, str):
            size += (len(value) if value.isascii() else len(value.encode("utf-8", "replace"))) + 4
        elif isinstance(value, (bytes, bytearray, memoryview)):
            size += 2 * len(value) + 4  # sent as hex text
        else:
            size += len(str(value)) + 2
    return size


def read_rows(
    fetchmany: Callable[[int], Sequence[Any]], limit: int, max_bytes: int | None = None
) -> tuple[list[tuple], str | None]:
    """Read at most limit rows, and only while their JSON stays within max_bytes.

    Returns the rows and why reading stopped early: "rows" when more rows were
    left past the limit, "bytes" when the next row would pass max_bytes, None
    when the result was read to its end."""
    rows: list[tuple] = []
    size = 2
    while True:
        wanted = min(_BATCH_ROWS, limit + 1 - len(rows))
        batch = fetchmany(wanted)
        for row in batch:
            if len(rows) == limit:
                return rows, "rows"
            if max_bytes is not None:
                size += json_size(row)
                if size > max_bytes:
                    return rows, "bytes"
            rows.append(tuple(row))
        if len(batch) < wanted:
            return rows, None
