"""Adding resources to a template's text: everything else stays byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.project.cfn_yaml import parse_cfn_yaml
from lamina.project.spec import ProjectError
from lamina.project.template_insert import add_resources

PATH = Path("template.yaml")


def render(key_indent: str, unit: str) -> str:
    return f"{key_indent}New:\n{key_indent}{unit}Type: AWS::SQS::Queue\n"


def resources(text: str) -> list[str]:
    return list(parse_cfn_yaml(text, PATH).data["Resources"])


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "Resources:\n  Old:\n    Type: AWS::SQS::Queue\n",
            "Resources:\n  Old:\n    Type: AWS::SQS::Queue\n\n  New:\n    Type: AWS::SQS::Queue\n",
        ),
        (  # no Resources section: one is added at the end
            "AWSTemplateFormatVersion: '2010-09-09'  # keep\n",
            "AWSTemplateFormatVersion: '2010-09-09'  # keep\n\nResources:\n  New:\n"
            "    Type: AWS::SQS::Queue\n",
        ),
        (  # no newline at the end, and a column-0 comment that belongs to the next section
            "Resources:\n   Old:\n      Type: X\n# about outputs\nOutputs: {}",
            "Resources:\n   Old:\n      Type: X\n\n   New:\n      Type: AWS::SQS::Queue\n"
            "# about outputs\nOutputs: {}",
        ),
        (  # Windows line endings stay Windows line endings
            "Resources:\r\n  Old:\r\n    Type: X\r\n",
            "Resources:\r\n  Old:\r\n    Type: X\r\n\r\n  New:\r\n    Type: AWS::SQS::Queue\r\n",
        ),
        (  # an empty Resources section
            "Resources:\nOutputs: {}\n",
            "Resources:\n  New:\n    Type: AWS::SQS::Queue\nOutputs: {}\n",
        ),
    ],
)
def test_text_insertion(before: str, after: str) -> None:
    assert add_resources(before, PATH, ["New"], render) == after


def test_a_flow_style_section_goes_through_ruamel_and_keeps_comments() -> None:
    before = "# top comment\nResources: {Old: {Type: X}}  # inline\nOutputs:\n  A: !Ref Old\n"
    after = add_resources(before, PATH, ["New"], render)
    assert "# top comment" in after
    assert resources(after) == ["Old", "New"]
    assert parse_cfn_yaml(after, PATH).data["Outputs"] == {"A": {"Ref": "Old"}}


def test_refuses_a_duplicate_or_a_broken_template() -> None:
    with pytest.raises(ProjectError, match="already has a resource 'Old'"):
        add_resources("Resources:\n  Old:\n    Type: X\n", PATH, ["Old"], render)
    with pytest.raises(ProjectError, match="invalid YAML"):
        add_resources("Resources: [\n", PATH, ["New"], render)
