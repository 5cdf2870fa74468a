"""Which recorded cases the goal counts, and why the others are left out.

The counted set (issue 17): every case of test_lambda_api and of the SQS, Kinesis and DynamoDB
Streams mapping files, minus the cases below. A case is left out only for a reason that is not
the emulator's to fix: it needs a runtime other than Python, another issue's feature (counted
once that issue lands), or AWS recorded nothing for it.
"""

from __future__ import annotations

import re

# (pattern on the case id, reason). The first that matches wins.
OUT_OF_SCOPE: list[tuple[str, str]] = [
    (r"::test_snapstart_\w+\[(java|dotnet)", "needs a Java or .NET runtime (SnapStart)"),
    (r"test_create_event_source_self_managed$", "needs Kafka (self-managed event source)"),
    (
        r"::test_kinesis_empty_provided$",
        "needs a custom runtime (provided.al2023), not Python",
    ),
    (
        r"test_account_settings_total_code_size$",
        "its recorded values are the byte sizes of LocalStack's own zip files (276 and 169), "
        "which can't be rebuilt byte for byte (the layer sizes it adds up are counted: "
        "test_emulator_layers.py)",
    ),
    (
        r"test_function_name_and_qualifier_validation\[(qualifier_too_long[01]|"
        r"function_name_and_qualifier_too_long)-",
        "a stale recording: LocalStack's final test code has no such parameter, so its "
        "request cannot be rebuilt",
    ),
    (
        r"test_function_name_and_qualifier_validation\[incomplete_arn-create_function\]",
        "AWS recorded nothing (the call succeeds on AWS; LocalStack skips it)",
    ),
    (r"test_add_lambda_permission_optional_fields$", "AWS recorded nothing for it"),
    (
        r"::(test_publish_with_wrong_revisionid|test_lambda_permission_versioning|"
        r"test_lambda_permission_revisions|test_oversized_lambda|"
        r"test_dynamodb_report_batch_item_failures_with_on_failure_destination_config)$|"
        r"^TestLambdaTag::test_tag_lifecycle$",
        "a stale recording: LocalStack's final test code has no such test, so its requests "
        "cannot be rebuilt",
    ),
    (
        r"::test_function_revisions_permissions$",
        "a stale recording: LocalStack skips this test ('the API on AWS has changed "
        "significantly')",
    ),
    (r"^TestPartialARNMatching::", "AWS recorded nothing for it (the test only checks no error)"),
    (
        r"::test_sqs_event_filter\[plain-string-(matching|filter)\]$|"
        r"::test_sqs_event_source_mapping_batching_behaviour\[",
        "AWS recorded nothing for it (LocalStack skips it)",
    ),
]


def out_of_scope_reason(case_id: str) -> str | None:
    for pattern, reason in OUT_OF_SCOPE:
        if re.search(pattern, case_id):
            return reason
    return None


# Rebuilt cases where the emulator still answers differently from AWS, with the reason. A case
# listed here must still differ (the test fails once it matches, so the list stays true).
NEWER_TAG_PATTERN = (
    "the Resource pattern in botocore's current model (with network-connector, without layer) "
    "is newer than the one AWS printed when this was recorded; Lamina follows the model"
)
MOTO_FIFO = (
    "moto server's FIFO queue (the stand-in for SQS) redelivers only the last of three messages "
    "of a group whose visibility timeout ran out, and never the other two; AWS redelivers the "
    "three in order (recorded), and so would Lamina's poller, which asks for ten"
)
KNOWN_DIFFERENCES: dict[str, str] = {
    "test_report_batch_item_failures": MOTO_FIFO,
    "TestLambdaTag::test_tag_exceptions[lambda_function]": NEWER_TAG_PATTERN,
    "TestLambdaTag::test_tag_exceptions[event_source_mapping]": NEWER_TAG_PATTERN,
    "TestLambdaTag::test_tag_exceptions[capacity_provider]": NEWER_TAG_PATTERN,
    "TestLambdaTags::test_tag_exceptions": NEWER_TAG_PATTERN,
}


# Counted cases not rebuilt because the emulator deliberately does not serve what they need
# (docs/emulator.md says why). They count as differences.
NOT_SERVED: list[tuple[str, str]] = [
    (r"^TestLambdaImages::", "container images: Lamina runs .zip packages only (no Docker)"),
    (
        r"test_lambda_code_location_s3|test_large_lambda$|test_oversized_unzipped_lambda$",
        "S3 code locations: lamina serve takes ZipFile uploads only",
    ),
    (r"::test_layer_s3_content$", "S3 code locations: lamina serve takes ZipFile uploads only"),
]


def not_served_reason(case_id: str) -> str | None:
    for pattern, reason in NOT_SERVED:
        if re.search(pattern, case_id):
            return reason
    return None
