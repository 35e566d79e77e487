"""A live progress line on stderr while the audit runs (nothing with --quiet).

Each phase (reading a file, linking, checking, writing an output) replaces the description;
the pulsing bar and elapsed time show that a long phase is still working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


@contextmanager
def phase_progress(console: Console) -> Iterator[Callable[[str], None]]:
    if console.quiet or not console.is_terminal:
        yield lambda _text: None
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),  # file names may hold [brackets]
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task("starting", total=None)
        yield lambda text: progress.update(task, description=text)
