"""comanage-audit: which devices can be co-managed, which cannot, and what must change first."""

from importlib.metadata import PackageNotFoundError, version

import pandas as pd

try:
    __version__ = version("comanage-audit")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"

# The code says "string" for Arrow-backed text, pandas 3's default. pandas 2 defaults it to
# Python objects, whose arrays it cannot even compare with Arrow ones; same meaning on both.
pd.set_option("mode.string_storage", "pyarrow")
