"""API Gateway's mapping templates: Velocity (VTL) through airspeed-ext, LocalStack's kept fork
of airspeed, with the variables API Gateway gives a template: `$input` (`json`, `path`, `body`,
`params`), `$util` (`escapeJavaScript`, `base64Encode`/`Decode`, `urlEncode`/`Decode`,
`parseJson`), `$context` and `$stageVariables`.

`$input.path`/`$input.json` take the JSONPath subset templates use in practice: `$`, `$.a.b`,
`$.a[0]`, `$['a']`.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote_plus, unquote_plus

_STEP = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


class TemplateError(Exception):
    """A mapping template that doesn't render (the message says where)."""


def json_path(document: Any, path: str) -> Any:
    path = path.strip()
    if not path.startswith("$"):
        raise TemplateError(f"JSONPath {path!r} must start with $")
    value = document
    position = 1
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            raise TemplateError(f"JSONPath {path!r}: cannot read from {path[position:]!r}")
        name, index, quoted, double = step.groups()
        key = name or quoted or double
        if key is not None:
            value = value.get(key) if isinstance(value, dict) else None
        else:
            i = int(index)
            value = value[i] if isinstance(value, list) and i < len(value) else None
        position = step.end()
    return value


class TemplateInput:
    """`$input`: the request's (or the integration response's) body and parameters."""

    def __init__(self, body: str, params: dict[str, dict[str, str]] | None = None) -> None:
        self.body = body
        self._params = params or {"path": {}, "querystring": {}, "header": {}}
        try:
            self._document: Any = json.loads(body) if body.strip() else {}
        except ValueError:
            self._document = None

    def json(self, path: str = "$") -> str:
        return json.dumps(json_path(self._document, path), separators=(",", ":"))

    def path(self, path: str = "$") -> Any:
        return json_path(self._document, path)

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return self._params
        for kind in ("path", "querystring", "header"):
            found = self._params.get(kind, {}).get(name)
            if found is not None:
                return found
        return ""


class TemplateUtil:
    """`$util`."""

    def escapeJavaScript(self, text: Any) -> str:  # noqa: N802 - API Gateway's name
        return json.dumps(str(text))[1:-1].replace("'", "\\'")

    def base64Encode(self, text: Any) -> str:  # noqa: N802
        return base64.b64encode(str(text).encode()).decode()

    def base64Decode(self, text: Any) -> str:  # noqa: N802
        return base64.b64decode(str(text)).decode("utf-8", "replace")

    def urlEncode(self, text: Any) -> str:  # noqa: N802
        return quote_plus(str(text))

    def urlDecode(self, text: Any) -> str:  # noqa: N802
        return unquote_plus(str(text))

    def parseJson(self, text: Any) -> Any:  # noqa: N802
        return json.loads(str(text))


def render(
    template: str,
    template_input: TemplateInput,
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> str:
    import airspeed  # type: ignore[import-untyped]  # airspeed-ext ships no type hints

    try:
        rendered: str = airspeed.Template(template).merge(
            {
                "input": template_input,
                "util": TemplateUtil(),
                "context": context,
                "stageVariables": stage_variables,
            }
        )
    except Exception as e:  # airspeed raises its own TemplateError/SyntaxError kinds
        raise TemplateError(f"the mapping template does not render: {e}") from None
    return rendered
