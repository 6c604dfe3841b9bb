"""Progress bars for long transfers: shown on a terminal, silent otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn


@contextmanager
def transfer_progress(
    description: str, total: int, enabled: bool | None = None
) -> Iterator[Callable[[int], None] | None]:
    """Yield a callback that advances a byte-count bar, or None when quiet."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield None
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
