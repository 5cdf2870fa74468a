"""`--keep-alive SECONDS`, as `lamina serve` and `lamina api` both take it (lamina/client_wait.py
applies it)."""

from __future__ import annotations

import click

keep_alive_option = click.option(
    "--keep-alive",
    "keep_alive",
    type=click.FloatRange(min=0, min_open=True),
    default=75.0,
    show_default=True,
    metavar="SECONDS",
    help="Close a client's connection that keeps the server waiting this long: idle between "
    "requests, a request's head or body that stops coming, or answers it stops reading.",
)
