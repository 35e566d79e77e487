"""The bytes behind an Arrow large_string array, without copying them.

Both the readers (is there any NBSP in this column?) and the fast sheet writer (does this
batch need escaping? hand its XML to the zip stream) look at a text array's characters as
one buffer: a memchr-speed search or one write instead of a pass per value.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def layout(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A large_string array's offsets (one per value, plus the end) and its data buffer."""
    _, offsets, data = text.buffers()
    ends = np.frombuffer(offsets, dtype=np.int64, count=len(text) + 1, offset=text.offset * 8)
    chars = np.zeros(0, np.uint8) if data is None else np.frombuffer(data, dtype=np.uint8)
    return ends, chars


def characters(text: pa.Array) -> memoryview:
    """A large_string array's characters, back to back, as one buffer (no copy)."""
    if not len(text):
        return memoryview(b"")
    ends, chars = layout(text)
    return memoryview(chars)[int(ends[0]) : int(ends[-1])]
