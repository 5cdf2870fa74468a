"""The `lamina` command: the same core as the editor integrations, with no editor.

Each subcommand lives in its own module under lamina.commands and is imported only when it runs,
so `lamina invoke` pays for no other command's imports (its start-up is measured against
python-lambda-local's CLI).
"""

from __future__ import annotations

import importlib

import click

from lamina import __version__

# name: (module, attribute)
SUBCOMMANDS = {
    "invoke": ("lamina.commands.invoke", "invoke"),
    "serve": ("lamina.commands.serve", "serve"),
    "sync": ("lamina.commands.sync", "sync"),
    "new": ("lamina.commands.new", "new"),
    "events": ("lamina.commands.events", "events"),
    "functions": ("lamina.commands.functions", "functions"),
    "lsp": ("lamina.commands.lsp", "lsp"),
    "api": ("lamina.commands.api", "api"),
    "pull": ("lamina.commands.pull", "pull"),
    "executions": ("lamina.commands.executions", "executions"),
    "callback": ("lamina.commands.executions", "callback"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *SUBCOMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in SUBCOMMANDS:
            module, attribute = SUBCOMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lamina")
def main() -> None:
    """Lamina: write, run, debug and ship AWS Lambda Python handlers locally, without Docker."""
