"""`Metadata.BuildMethod: makefile` (a serverless-patterns layer installs its packages from a
Makefile target): Lamina does not run it, and says so once per resource at load time, so that a
function's `No module named 'jose'` is not a mystery. A python3.x build is Lamina's own: no word."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lamina.project import read_template


def test_custom_builds_are_named_and_python_builds_are_not(tmp_path: Path) -> None:
    for folder in ("deps", "pydeps", "src"):
        (tmp_path / folder).mkdir()
    template = tmp_path / "template.yaml"
    template.write_text(
        textwrap.dedent(
            """\
            Transform: AWS::Serverless-2016-10-31
            Resources:
              MadeLayer:
                Type: AWS::Serverless::LayerVersion
                Properties: {ContentUri: deps/}
                Metadata: {BuildMethod: makefile, BuildTarget: build-MadeLayer}
              PythonLayer:
                Type: AWS::Serverless::LayerVersion
                Properties: {ContentUri: pydeps/}
                Metadata: {BuildMethod: python3.12}
              MadeFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.handler
                  Runtime: python3.12
                  Layers: [!Ref MadeLayer, !Ref PythonLayer]
                Metadata: {BuildMethod: makefile}
            """
        )
    )
    result = read_template(template)
    assert result.warnings == [
        "MadeLayer: Metadata.BuildMethod makefile is not run: Lamina uses the folder as it is, "
        "without what the build-MadeLayer target of `sam build` adds",
        "MadeFunction: Metadata.BuildMethod makefile is not run: Lamina uses the folder as it "
        "is, without what BuildMethod makefile of `sam build` adds",
    ]
    (function,) = result.functions
    assert [layer.name for layer in function.layers] == ["MadeLayer", "PythonLayer"]
    assert [layer.build_method for layer in function.layers] == [None, "python3.12"]
