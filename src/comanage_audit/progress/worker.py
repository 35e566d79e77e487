"""The worker process of `progress.load.ReadAhead`: `python -m comanage_audit.progress.worker`.

Reads the previous audits named in the pickle on its stdin and writes the result, pickled,
to its stdout. Not imported by the package, so running it as a module loads it once.
"""

from __future__ import annotations

import sys

from comanage_audit.progress.load import work

if __name__ == "__main__":
    work(sys.stdin.buffer, sys.stdout.buffer)
