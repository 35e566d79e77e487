"""`python -m comanage_audit.cli` runs the CLI (the benchmarks start it so)."""

from comanage_audit.cli import app

app()
