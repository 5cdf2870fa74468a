"""The local, imaginary stack a template is resolved in: its region, name and account (the pseudo
parameters), and the region AWS would run in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lamina.project.cfn_values import NO_VALUE
from lamina.project.spec import DEFAULT_ACCOUNT

DEFAULT_STACK_NAME = "lamina-local"
DEFAULT_REGION = "us-east-1"


def default_region(environ: Mapping[str, str] | None = None) -> str:
    """The region AWS would run in: AWS_REGION, then AWS_DEFAULT_REGION (blank counts as unset), else
    us-east-1. The one reading of it: templates, the runtime, events and the emulator share it."""
    env = os.environ if environ is None else environ
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = env.get(var, "").strip()
        if value:
            return value
    return DEFAULT_REGION


@dataclass(frozen=True)
class StackContext:
    """The pseudo parameters (AWS::Region, AWS::StackName, ...) of the local, imaginary stack."""

    region: str = DEFAULT_REGION
    stack_name: str = DEFAULT_STACK_NAME
    account_id: str = DEFAULT_ACCOUNT

    @classmethod
    def from_environment(
        cls, stack_name: str | None = None, environ: Mapping[str, str] | None = None
    ) -> StackContext:
        return cls(region=default_region(environ), stack_name=stack_name or DEFAULT_STACK_NAME)

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def pseudo_parameter(self, name: str) -> Any:
        """The value of `AWS::<name>`, or None when it isn't a pseudo parameter."""
        values: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:stack/"
                f"{self.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }
        return values.get(name)
