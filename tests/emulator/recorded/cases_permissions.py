"""Rebuilt cases of LocalStack's TestLambdaPermissions."""

from __future__ import annotations

from typing import Any

from emulator.recorded.context import CaseContext, case

P = "TestLambdaPermissions"
ACCOUNT = "123456789012"
BUCKET = "arn:aws:s3:::test-bucket"
INVOKE = "lambda:InvokeFunction"


def _s3(**extra: Any) -> dict[str, Any]:
    params = {"Action": INVOKE, "StatementId": "s3", "Principal": "s3.amazonaws.com"}
    params["SourceArn"] = BUCKET
    params.update(extra)
    return params


@case(f"{P}::test_permission_exceptions")
def permission_exceptions(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    add, remove = lam.add_permission, lam.remove_permission
    ctx.match(
        "add_permission_invalid_statement_id",
        ctx.error(
            add,
            FunctionName=name,
            Action=INVOKE,
            StatementId="example.com",
            Principal="s3.amazonaws.com",
        ),
    )
    ctx.match(
        "add_permission_fn_qualifier_mismatch",
        ctx.error(add, FunctionName=f"{name}:alias-not-42", **_s3(Qualifier="42")),
    )
    ctx.match(
        "add_permission_fn_qualifier_latest",
        ctx.error(add, FunctionName=f"{name}:$LATEST", **_s3(Qualifier="$LATEST")),
    )
    ctx.match(
        "add_permission_principal_invalid",
        ctx.error(
            add,
            FunctionName=name,
            Action=INVOKE,
            StatementId="lambda",
            Principal="invalid.nonaws.com",
            SourceAccount=ACCOUNT,
        ),
    )
    ctx.match("get_policy_fn_doesnotexist", ctx.error(lam.get_policy, FunctionName="doesnotexist"))
    ctx.match(
        "get_policy_fn_version_doesnotexist",
        ctx.error(lam.get_policy, FunctionName=name, Qualifier="77"),
    )
    ctx.match(
        "add_permission_fn_doesnotexist", ctx.error(add, FunctionName="doesnotexist", **_s3())
    )
    ctx.match(
        "remove_permission_policy_doesnotexist",
        ctx.error(remove, FunctionName=name, StatementId="s3"),
    )
    ctx.match(
        "add_permission_fn_alias_doesnotexist",
        ctx.error(add, FunctionName=f"{name}:alias-doesnotexist", **_s3()),
    )
    ctx.match(
        "add_permission_fn_version_doesnotexist",
        ctx.error(add, FunctionName=name, **_s3(Qualifier="42")),
    )
    ctx.match(
        "add_permission_fn_qualifier_invalid",
        ctx.error(add, FunctionName=name, **_s3(Qualifier="invalid-qualifier-with-?-char")),
    )
    ctx.match(
        "add_permission_fn_qualifier_valid_doesnotexist",
        ctx.error(add, FunctionName=name, **_s3(Qualifier="valid-with-$-but-doesnotexist")),
    )
    add(FunctionName=name, **_s3())
    ctx.match("add_permission_conflicting_statement_id", ctx.error(add, FunctionName=name, **_s3()))
    ctx.match(
        "remove_permission_fn_doesnotexist",
        ctx.error(remove, FunctionName="doesnotexist", StatementId="s3"),
    )
    ctx.match(
        "remove_permission_fn_alias_doesnotexist",
        ctx.error(remove, FunctionName=name, StatementId="s3", Qualifier="alias-doesnotexist"),
    )


@case(f"{P}::test_add_lambda_permission_aws")
def add_permission_aws(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.match("create_lambda", ctx.create_function(name))
    ctx.match("add_permission", lam.add_permission(FunctionName=name, **_s3()))
    ctx.match("get_policy", lam.get_policy(FunctionName=name))


@case(f"{P}::test_lambda_permission_fn_versioning")
def permission_fn_versioning(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    ctx.match("add_permission", lam.add_permission(FunctionName=name, **_s3()))
    ctx.match("get_policy", lam.get_policy(FunctionName=name))
    published = lam.publish_version(FunctionName=name)
    ctx.match("publish_version_result", published)
    version = published["Version"]
    lam.get_waiter("published_version_active").wait(FunctionName=name)
    ctx.match("get_function_result_after_publishing", lam.get_function(FunctionName=name))
    ctx.match("get_policy_after_publishing_latest", lam.get_policy(FunctionName=name))
    ctx.match(
        "get_policy_after_publishing_new_version",
        ctx.error(lam.get_policy, FunctionName=name, Qualifier=version),
    )
    lam.add_permission(FunctionName=f"{name}:{version}", **_s3(Qualifier=version))
    ctx.match("get_policy_version", lam.get_policy(FunctionName=name, Qualifier=version))
    alias = "permission-alias"
    created = lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
    ctx.match("create_alias_response", created)
    ctx.match("get_alias", lam.get_alias(FunctionName=name, Name=alias))
    ctx.match(
        "add_permission_alias_revision_exception",
        ctx.error(
            lam.add_permission, FunctionName=name, **_s3(Qualifier=alias, RevisionId="wrong")
        ),
    )
    lam.add_permission(
        FunctionName=f"{name}:{alias}", **_s3(Qualifier=alias, RevisionId=created["RevisionId"])
    )
    ctx.match("get_policy_alias", lam.get_policy(FunctionName=name, Qualifier=alias))
    policy = lam.get_policy(FunctionName=name)
    ctx.match("get_policy_after_adding_to_new_version", policy)
    lam.add_permission(
        FunctionName=name, **_s3(StatementId="s3_2", RevisionId=policy["RevisionId"])
    )
    ctx.match("get_policy_after_adding_2", lam.get_policy(FunctionName=name))


@case(f"{P}::test_add_lambda_permission_fields")
def add_permission_fields(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    add = lam.add_permission
    common = {"FunctionName": name, "Action": INVOKE}
    ctx.match(
        "add_permission_principal_wildcard",
        add(**common, StatementId="wilcard", Principal="*", SourceAccount=ACCOUNT),
    )
    ctx.match(
        "add_permission_principal_service",
        add(
            **common, StatementId="lambda", Principal="lambda.amazonaws.com", SourceAccount=ACCOUNT
        ),
    )
    ctx.match(
        "add_permission_principal_account",
        add(**common, StatementId="account-id", Principal=ACCOUNT),
    )
    user = f"arn:aws:iam::{ACCOUNT}:user/lamina-test"
    ctx.match(
        "add_permission_principal_arn",
        add(**common, StatementId="user-arn", Principal=user, SourceAccount=ACCOUNT),
    )
    ctx.match(
        "add_permission_optional_fields",
        add(
            FunctionName=name,
            StatementId="urlPermission",
            Action="lambda:InvokeFunctionUrl",
            Principal="*",
            SourceArn=BUCKET,
            SourceAccount=ACCOUNT,
            PrincipalOrgID="o-1234567890",
            FunctionUrlAuthType="NONE",
        ),
    )
    ctx.match(
        "add_permission_alexa_skill",
        add(
            **common,
            StatementId="alexaSkill",
            Principal="*",
            EventSourceToken="amzn1.ask.skill.xxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        ),
    )


@case(f"{P}::test_remove_multi_permissions")
def remove_multi_permissions(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    ctx.match(
        "add_permission_1",
        lam.add_permission(
            FunctionName=name, Action=INVOKE, StatementId="s3", Principal="s3.amazonaws.com"
        ),
    )
    ctx.match(
        "add_permission_2",
        lam.add_permission(
            FunctionName=name, **_s3(StatementId="sqs", Principal="sqs.amazonaws.com")
        ),
    )
    ctx.match("policy_after_2_add", lam.get_policy(FunctionName=name))
    ctx.match(
        "remove_permission_exception_nonexisting_sid",
        ctx.error(lam.remove_permission, FunctionName=name, StatementId="non-existent"),
    )
    lam.remove_permission(FunctionName=name, StatementId="sqs")
    ctx.match("policy_after_removal", lam.get_policy(FunctionName=name))
    attempt = lam.get_policy(FunctionName=name)
    ctx.match("policy_after_removal_attempt", attempt)
    lam.remove_permission(FunctionName=name, StatementId="s3", RevisionId=attempt["RevisionId"])
    ctx.match("get_policy_exception_removed_all", ctx.error(lam.get_policy, FunctionName=name))


@case(f"{P}::test_create_multiple_lambda_permissions")
def create_multiple_permissions(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("test-function")
    ctx.create_function(name)
    for index, (sid, principal) in enumerate(
        (("logs", "logs.amazonaws.com"), ("kinesis", "kinesis.amazonaws.com")), start=1
    ):
        ctx.match(
            f"add_permission_response_{index}",
            lam.add_permission(
                FunctionName=name, Action=INVOKE, StatementId=sid, Principal=principal
            ),
        )
    ctx.match("policy_after_2_add", lam.get_policy(FunctionName=name))
