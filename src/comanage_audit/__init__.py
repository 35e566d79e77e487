"""comanage-audit: which devices can be co-managed, which cannot, and what must change first."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("comanage-audit")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
