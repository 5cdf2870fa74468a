"""`lamina lsp`: the language server."""

from __future__ import annotations

import click

from lamina.commands.console import fail


@click.command()
@click.option("--tcp", metavar="HOST:PORT", help="Listen on TCP instead of stdio.")
@click.option("--stdio", is_flag=True, hidden=True, help="Use stdio (the default).")
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --tcp address.")
def lsp(tcp: str | None, stdio: bool, allow_remote: bool) -> None:
    """Run the language server (code lenses, run, diagnostics) for any LSP editor."""
    from lamina.lsp.main import serve

    try:
        serve(tcp, allow_remote)
    except ValueError as e:
        fail(str(e))
