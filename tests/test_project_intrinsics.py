"""The intrinsic resolver on its own: short tags, malformed calls, conditions, SSM parameters and
mappings, a function's known name."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lamina.project.cfn_yaml import parse_cfn_yaml
from lamina.project.intrinsics import IntrinsicResolver
from lamina.project.stack_context import StackContext


def test_short_tags_become_long_forms_and_lines_are_recorded() -> None:
    text = textwrap.dedent(
        """\
        Version: 2012-10-17
        Resources:
          A:
            Type: T
            Properties:
              Ref: !Ref X
              Sub: !Sub "${X}"
              Att: !GetAtt A.B.C
              AttList: !GetAtt [A, B]
              Cond: !Condition C
              Azs: !GetAZs ""
              Cidr: !Cidr [10.0.0.0/16, 4, 8]
              Custom: !Reff X
          B: {Type: U}
        """
    )
    document = parse_cfn_yaml(text, Path("t.yaml"))
    properties = document.data["Resources"]["A"]["Properties"]
    assert document.data["Version"] == "2012-10-17"
    assert properties == {
        "Ref": {"Ref": "X"},
        "Sub": {"Fn::Sub": "${X}"},
        "Att": {"Fn::GetAtt": ["A", "B.C"]},
        "AttList": {"Fn::GetAtt": ["A", "B"]},
        "Cond": {"Condition": "C"},
        "Azs": {"Fn::GetAZs": ""},
        "Cidr": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
        "Custom": {"Fn::Reff": "X"},
    }
    assert document.resource_line("A") == 3
    assert document.resource_line("B") == 14
    assert document.resource_line("C") is None
    assert document.section_line("Resources") == 2


def test_resolver_never_raises_on_malformed_or_unknown_functions() -> None:
    template = {"Parameters": {"P": {"Type": "String", "Default": "v"}}, "Resources": {"R": {}}}
    resolver = IntrinsicResolver(template, StackContext(region="us-west-2"))
    assert resolver.resolve({"Fn::Select": [5, ["a"]]}, "F.X") == "${Select:5}"
    assert resolver.resolve({"Fn::Join": "nope"}, "F.Y") == "${Join:nope}"
    assert resolver.resolve({"Fn::Reff": "P"}, "F.Z") == "${Reff:P}"
    assert resolver.resolve({"Fn::Cidr": ["10.0.0.0/16", 4, 8]}, "F.C") == (
        "${Cidr:10.0.0.0/16,4,8}"
    )
    assert resolver.resolve({"Fn::If": ["Missing", "a", "b"]}, "F.I") == "b"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::GetAZs": ""}]}, "F.A") == "us-west-2b"
    assert resolver.resolve({"Ref": "R"}, "F.R") == "${Ref:R}"
    assert resolver.resolve({"Ref": "Nope"}, "F.N") == "${Ref:Nope}"
    assert resolver.resolve({"Fn::Sub": "${R.Arn}/${P}"}, "F.S") == "${GetAtt:R.Arn}/v"
    assert resolver.resolve([{"Ref": "AWS::NoValue"}, "kept"], "F.L") == ["kept"]
    assert resolver.warnings == [
        "F.X: Fn::Select index 5 is out of range (the list has 1 items); using '${Select:5}'",
        "F.Y: malformed Fn::Join arguments 'nope'; using '${Join:nope}'",
        "F.Z: Fn::Reff is not supported locally; using '${Reff:P}'",
        "F.C: Fn::Cidr is not supported locally; using '${Cidr:10.0.0.0/16,4,8}'",
        "F.I: unknown condition 'Missing'; treating it as false",
        "F.R: Ref R refers to a resource, which has no local value; using '${Ref:R}'",
        "F.N: Ref Nope: no such parameter or resource; using '${Ref:Nope}'",
        "F.S: GetAtt R.Arn has no local value; using '${GetAtt:R.Arn}'",
    ]


def test_conditions_referring_to_themselves_are_false() -> None:
    template = {"Conditions": {"Loop": {"Fn::Not": [{"Condition": "Loop"}]}}}
    resolver = IntrinsicResolver(template, StackContext())
    assert resolver.resolve({"Fn::If": ["Loop", "yes", "no"]}, "F.V") == "yes"
    assert resolver.warnings == [
        "Conditions.Loop: condition 'Loop' refers to itself; treating it as false",
    ]


def test_ssm_parameters_and_find_in_map_defaults() -> None:
    template = {
        "Parameters": {
            "Latest": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/v"}
        },
        "Mappings": {"M": {"a": {"b": "c"}}},
    }
    resolver = IntrinsicResolver(template, StackContext())
    assert resolver.resolve({"Ref": "Latest"}, "F.P") == "${Ref:Latest}"
    default = {"DefaultValue": "d"}
    assert resolver.resolve({"Fn::FindInMap": ["M", "a", "x", default]}, "F.M") == "d"
    assert resolver.resolve({"Fn::FindInMap": ["M", "a", "x"]}, "F.N") == "${FindInMap:M.a.x}"
    assert resolver.resolve({"Fn::ToJsonString": {"k": [1, True]}}, "F.J") == '{"k":[1,true]}'
    assert resolver.resolve({"Fn::Length": [1, 2, 3]}, "F.L") == 3
    assert resolver.warnings == [
        "F.P: Ref Latest is an SSM parameter ('/app/v'), which has no local value; "
        "using '${Ref:Latest}'",
        "F.N: Fn::FindInMap: no entry M.a.x; using '${FindInMap:M.a.x}'",
    ]


def test_a_function_with_a_known_name_is_referred_to_by_it() -> None:
    """`!Ref OtherFunction` is the FunctionName when the template says it; otherwise it stays a
    placeholder (on AWS the stack names the function)."""
    function = "AWS::Serverless::Function"
    template = {
        "Resources": {
            "Named": {"Type": function, "Properties": {"FunctionName": "orders-worker"}},
            "Plain": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "Stacked": {
                "Type": function,
                "Properties": {"FunctionName": {"Fn::Sub": "${Table}-fn"}},
            },
            "Loop": {"Type": function, "Properties": {"FunctionName": {"Ref": "Loop"}}},
            "Table": {"Type": "AWS::DynamoDB::Table"},
        }
    }
    resolver = IntrinsicResolver(template, StackContext())
    assert resolver.resolve({"Ref": "Named"}, "F.A") == "orders-worker"
    assert resolver.resolve({"Ref": "Plain"}, "F.B") == "${Ref:Plain}"
    assert resolver.resolve({"Ref": "Stacked"}, "F.C") == "${Ref:Stacked}"
    assert resolver.resolve({"Ref": "Loop"}, "F.D") == "${Ref:Loop}"
    assert resolver.resolve({"Ref": "Table"}, "F.E") == "${Ref:Table}"
