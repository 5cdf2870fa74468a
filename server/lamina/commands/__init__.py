"""The `lamina` subcommands, one module each, imported only when used (see lamina.cli)."""
