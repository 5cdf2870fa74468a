"""The one JSON object each command takes (DESIGN.md, Interfaces), read with clear errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.lsp.errors import UserError


class CommandArguments:
    def __init__(self, command: str, arguments: tuple[Any, ...]) -> None:
        self.command = command
        first = arguments[0] if arguments else None
        if first is None:
            first = {}
        if not isinstance(first, Mapping):
            raise UserError(
                f'{command} takes one JSON object, like {{"function": "MyFunction"}}, not {first!r}'
            )
        self.values: Mapping[str, Any] = first

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.values.get(key)
        if value is None or value == "":
            if required:
                raise UserError(f'{self.command} needs "{key}"')
            return None
        if not isinstance(value, str):
            raise UserError(f'{self.command}: "{key}" must be a string, not {value!r}')
        return value.strip() or None

    def required_text(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def flag(self, key: str) -> bool | None:
        value = self.values.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise UserError(f'{self.command}: "{key}" must be true or false, not {value!r}')

    def string_map(self, key: str) -> dict[str, str]:
        value = self.values.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise UserError(f'{self.command}: "{key}" must be an object of strings')
        from lamina.project.run_configurations import env_value

        return {str(k): env_value(v) for k, v in value.items()}

    def raw(self, key: str) -> Any:
        return self.values.get(key)
