"""`python -m comanage_audit` runs the CLI."""

from comanage_audit.cli import app

app()
