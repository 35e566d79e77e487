"""Text columns between pandas and Arrow, and the bytes behind an Arrow large_string array.

Both the readers (is there any NBSP in this column?) and the fast sheet writer (does this
batch need escaping? hand its XML to the zip stream) look at a text array's characters as
one buffer: a memchr-speed search or one write instead of a pass per value. The pipeline
moves text columns to Arrow and back with `large_text` and `text_series`, never a copy per
value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

STRING = pd.StringDtype("pyarrow")


def python_text(values: pd.Series) -> pd.Series:
    """Text as Python strings (object dtype), for a regular expression that needs Python's
    `re`: a lookaround, a backreference, `\\s` as every Unicode space (NBSP included) or
    `\\d` as every decimal digit. pandas before 3.1 hands Arrow-backed text to RE2, which
    rejects the first two and reads the others as ASCII only; pandas 3.1 falls back itself."""
    return values.astype(object)


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


def large_text(values: pd.Series) -> pa.ChunkedArray:
    """A pandas column as Arrow large_string (NA -> null): what Arrow's string kernels and
    `characters` take. Arrow-backed text is not copied; other dtypes go through pandas text."""
    array = pa.array(values.astype(STRING).array)
    array = pa.chunked_array([array]) if isinstance(array, pa.Array) else array
    return array.cast(pa.large_string())


def text_series(array: pa.Array | pa.ChunkedArray, index: pd.Index | None = None) -> pd.Series:
    """Arrow text back as a pandas Arrow-string column, without a copy."""
    if isinstance(array, pa.Array):
        array = pa.chunked_array([array])
    return pd.Series(pd.arrays.ArrowStringArray(array), index=index, dtype=STRING)


def string_types(arrow_type: pa.DataType) -> pd.StringDtype | None:
    """A `to_pandas(types_mapper=...)` that keeps Arrow text as Arrow-backed pandas text."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return STRING
    return None
