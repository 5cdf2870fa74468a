"""The catalogue of sample events: what `lamina events list` shows and `generate` builds.

Each source builds an event shaped, field by field, like the one AWS delivers to a function,
with fresh ids and the current time. `--set key=value` settings (the `overrides`) change the
parts a handler usually cares about; every key has a default, and an empty default means the
value is derived (e.g. the Cognito user pool id from the region) or left out/null as AWS does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lamina.events import (
    _alexa,
    _analytics,
    _apps,
    _authorizers,
    _cloudformation,
    _cloudfront,
    _cognito,
    _config_rules,
    _http,
    _lex,
    _messaging,
    _operations,
    _storage,
    _streams,
)
from lamina.events._common import Params, Spec, as_utc

_SPECS: tuple[Spec, ...] = (
    *_http.SPECS,
    *_authorizers.SPECS,
    *_messaging.SPECS,
    *_storage.SPECS,
    *_streams.SPECS,
    *_analytics.SPECS,
    *_cognito.SPECS,
    *_cloudformation.SPECS,
    *_cloudfront.SPECS,
    *_operations.SPECS,
    *_config_rules.SPECS,
    *_apps.SPECS,
    *_lex.SPECS,
    *_alexa.SPECS,
)
_BY_NAME: dict[str, Spec] = {spec.name: spec for spec in _SPECS}
_ALIASES: dict[str, str] = {alias: spec.name for spec in _SPECS for alias in spec.aliases}


@dataclass(frozen=True)
class EventSource:
    """One kind of event `generate` can build.

    `keys` are the settings `--set` accepts; `defaults` pairs each key with its default
    (read at the time `list_sources()` is called, so `region` follows AWS_REGION); `aliases`
    are other names `generate` accepts for the source.
    """

    name: str
    description: str
    keys: tuple[str, ...]
    defaults: tuple[tuple[str, str], ...] = ()
    aliases: tuple[str, ...] = ()


class UnknownEventSource(ValueError):
    """`generate` was asked for a source it doesn't know."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__(
            f"Unknown event source {source!r}. Known sources: {', '.join(source_names())}"
        )


def source_names() -> list[str]:
    """The canonical source names, in catalogue order."""
    return [spec.name for spec in _SPECS]


def _canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def resolve_source(source: str) -> str:
    """The canonical name for `source` or one of its aliases; UnknownEventSource otherwise."""
    key = _canonical(source)
    if key in _BY_NAME:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnknownEventSource(source)


def list_sources() -> list[EventSource]:
    """Every source `generate` can build, in catalogue order."""
    sources = []
    for spec in _SPECS:
        defaults = spec.resolved_defaults()
        sources.append(
            EventSource(
                name=spec.name,
                description=spec.description,
                keys=tuple(defaults),
                defaults=tuple(defaults.items()),
                aliases=spec.aliases,
            )
        )
    return sources


def _normalise_key(key: str) -> str:
    return key.strip().lower().replace("-", "_")


def generate(
    source: str,
    overrides: Mapping[str, str] | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, object]:
    """Build a sample event for `source` (a name or alias), with `overrides` applied.

    Override keys may use hyphens for underscores ("detail-type"). Raises UnknownEventSource
    for an unknown source, and ValueError for an unknown key or a value that can't be used.
    `now` fixes the event's timestamps (naive values are taken as UTC); ids are always fresh.
    """
    spec = _BY_NAME[resolve_source(source)]
    values = spec.resolved_defaults()
    for raw_key, value in (overrides or {}).items():
        key = _normalise_key(raw_key)
        if key not in values:
            raise ValueError(
                f"Unknown key {raw_key!r} for event source {spec.name!r}. "
                f"Valid keys: {', '.join(values)}"
            )
        values[key] = value
    return spec.build(Params(spec.name, values), as_utc(now))
