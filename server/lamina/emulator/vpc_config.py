"""VpcConfig on CreateFunction and UpdateFunctionConfiguration, checked as Lambda checks it.

Lambda looks the security groups up in EC2, then the subnets (AWS's order, recorded), refuses
ones that don't exist in EC2's words, and answers with the subnets' VpcId. Lamina does that
against a configured EC2 endpoint only: AWS_ENDPOINT_URL_EC2, else AWS_ENDPOINT_URL, else
`--sqs-endpoint` (one local AWS stand-in, moto or LocalStack, serves them all). With none, the
config is echoed with an empty VpcId, as before: creating a local function never calls AWS.
Functions run on the host's network either way (there is no VPC to attach to locally).
"""

from __future__ import annotations

from typing import Any

from lamina.emulator.errors import invalid
from lamina.emulator.stream_client import StreamClients

NOT_FOUND = {
    "InvalidSubnetID.NotFound": "The subnet ID '{resource}' does not exist",
    "InvalidGroup.NotFound": "The security group '{resource}' does not exist",
}


class VpcLookup:
    def __init__(self, fallback_endpoint: str | None) -> None:
        self._ec2 = StreamClients("ec2", fallback_endpoint)

    @property
    def endpoint(self) -> str | None:
        return self._ec2.endpoint or None

    async def complete(self, region: str, body: dict[str, Any]) -> None:
        """Check the request's VpcConfig in EC2 and fill in what Lambda answers with (VpcId,
        Ipv6AllowedForDualStack), in place."""
        config = body.get("VpcConfig")
        if not isinstance(config, dict):
            return
        config.setdefault("Ipv6AllowedForDualStack", False)
        groups = [g for g in config.get("SecurityGroupIds") or [] if isinstance(g, str)]
        subnets = [s for s in config.get("SubnetIds") or [] if isinstance(s, str)]
        if not subnets and not groups:
            config["VpcId"] = ""
            return
        if self.endpoint is None:
            return
        for group in groups:  # one at a time: EC2's error names the one that is missing
            await self._describe(region, "DescribeSecurityGroups", group)
        vpc = ""
        for subnet in subnets:
            found = await self._describe(region, "DescribeSubnets", subnet)
            vpc = vpc or next((s.get("VpcId", "") for s in found.get("Subnets", [])), "")
        config["VpcId"] = vpc

    async def _describe(self, region: str, operation: str, resource: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        try:
            if operation == "DescribeSubnets":
                result = await self._ec2.call(region, "describe_subnets", SubnetIds=[resource])
            else:
                result = await self._ec2.call(
                    region, "describe_security_groups", GroupIds=[resource]
                )
        except ClientError as e:
            error = e.response.get("Error", {})
            code = error.get("Code")
            # EC2's words (stand-ins word them differently), else what the endpoint said.
            message = NOT_FOUND.get(str(code), "{message}").format(
                resource=resource, message=error.get("Message")
            )
            raise invalid(
                f"Error occurred while {operation}. EC2 Error Code: {code}. "
                f"EC2 Error Message: {message}"
            ) from None
        return dict(result)
