"""The options that say how a command reads the project: -t/--template, --parameter-overrides,
--config-env and --config-file (SAM CLI's names and meanings, so muscle memory works), and
--stage (the Serverless Framework's), --var-file (Terraform's). Parameter overrides are also a serverless.yml's
`${opt:NAME}` values and a Terraform configuration's `-var NAME=VALUE`s.

They are gathered into one ProjectOptions kept on the click context, which `console.load`
reads: a command adds `@project_flags()` and changes nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from lamina.project.project_options import ProjectOptions

_META_KEY = "lamina.project_options"
_Command = TypeVar("_Command", bound=Callable[..., Any])


# Where the project is: every command that reads one takes it the same way.
project_dir_option = click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
)


def project_flags(sam_command: str = "local_invoke") -> Callable[[_Command], _Command]:
    """The project options, for a command that reads samconfig's `sam_command` section."""

    def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        given = ctx.meta.setdefault(_META_KEY, {"sam_command": sam_command})
        given[str(param.name)] = value

    def decorate(command: _Command) -> _Command:
        options = [
            click.option(
                "-t",
                "--template",
                "template",
                type=click.Path(path_type=Path),
                expose_value=False,
                callback=_remember,
                help="The SAM template (default: the `template` setting, samconfig's "
                "template_file, else template.yaml/.yml/.json in the project folder).",
            ),
            click.option(
                "--parameter-overrides",
                "parameter_overrides",
                multiple=True,
                metavar="'KEY=VALUE ...'",
                expose_value=False,
                callback=_remember,
                help="Template parameter values, over samconfig's and the Defaults.",
            ),
            click.option(
                "--config-env",
                "config_env",
                metavar="ENV",
                expose_value=False,
                callback=_remember,
                help="The samconfig environment to read (default: default).",
            ),
            click.option(
                "--stage",
                "stage",
                metavar="STAGE",
                expose_value=False,
                callback=_remember,
                help="A Serverless Framework service's stage (its --stage; the same as "
                "--parameter-overrides stage=STAGE).",
            ),
            click.option(
                "--var-file",
                "var_files",
                multiple=True,
                type=click.Path(dir_okay=False, path_type=Path),
                expose_value=False,
                callback=_remember,
                help="A Terraform variables file (Terraform's -var-file; may be repeated), over "
                "terraform.tfvars and *.auto.tfvars.",
            ),
            click.option(
                "--config-file",
                "config_file",
                type=click.Path(dir_okay=False, path_type=Path),
                expose_value=False,
                callback=_remember,
                help="The samconfig file (default: samconfig.toml/.yaml/.yml).",
            ),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def current_project_options() -> ProjectOptions | None:
    """The options given to the running command, or None when it takes none."""
    from lamina.project.project_options import ProjectOptions
    from lamina.project.samconfig import parse_parameter_overrides

    ctx = click.get_current_context(silent=True)
    given = ctx.meta.get(_META_KEY) if ctx is not None else None
    if not given:
        return None
    template = given.get("template")
    config_file = given.get("config_file")
    return ProjectOptions(
        template=Path(os.path.abspath(template)) if template else None,
        parameter_overrides={
            **parse_parameter_overrides(
                list(given.get("parameter_overrides") or ()), "--parameter-overrides"
            ),
            **({"stage": given["stage"]} if given.get("stage") else {}),
        },
        config_env=given.get("config_env") or "default",
        config_file=Path(os.path.abspath(config_file)) if config_file else None,
        sam_command=given.get("sam_command", "local_invoke"),
        var_files=tuple(Path(os.path.abspath(path)) for path in given.get("var_files") or ()),
    )
