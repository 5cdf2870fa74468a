"""What `lamina api` serves from a project file: the reader its format calls for.

- a SAM template (and plain CloudFormation resources in it): template_reader;
- a serverless.yml: its `http`/`httpApi` events as a template (serverless_apis), then the same;
- a CDK app's cloud assembly (cdk.out/manifest.json): each stack's template (cdk_apis);
- a Terraform configuration: its `aws_api_gateway*` and `aws_lambda_function_url` resources,
  as the CloudFormation resources they stand for (terraform_apis), then the same.

Every reader fills the same TemplateApis: one route table, one payload code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from lamina.gateway.serverless_apis import is_serverless_file, serverless_document
from lamina.gateway.template_reader import TemplateApis, TemplateReader, used_functions
from lamina.project.cfn_yaml import load_cfn_yaml
from lamina.project.spec import ProjectError

__all__ = ["TemplateApis", "read_template_apis", "used_functions"]


def read_template_apis(
    path: Path,
    functions: set[str],
    jwks: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
) -> TemplateApis:
    """The routes of the project file at `path` to the functions named in `functions` (the
    names Lamina runs them by); `jwks` maps a JWT issuer to its JWKS file or URL (the api.jwks
    setting). Raises ProjectError when the file is broken. A serverless.yml is read through its
    functions' events (serverless_apis), with `options` (the command line's `--stage` and
    parameter overrides) as the framework's options."""
    from lamina.project.formats import CDK_MANIFEST

    if path.name == CDK_MANIFEST:
        from lamina.gateway.cdk_apis import read_cdk_apis

        return read_cdk_apis(path, functions, jwks)
    if path.suffix in (".tf", ".tfvars") or path.name.endswith((".tf.json", ".tfvars.json")):
        from lamina.gateway.terraform_apis import read_terraform_apis

        return read_terraform_apis(path, functions, jwks, options)
    left_out: list[str] = []
    if is_serverless_file(path):
        document, left_out = serverless_document(path, options)
    else:
        document = load_cfn_yaml(path)
    if not isinstance(document.data, Mapping):
        raise ProjectError("a template must be a mapping of sections (Resources, ...)", path, 1)
    apis = TemplateReader(path, document, functions, jwks).read()
    apis.warnings.extend(left_out)
    return apis
