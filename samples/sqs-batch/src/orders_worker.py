"""Order processor for an SQS event source mapping with ReportBatchItemFailures.

Each message body is an order, `{"orderId": "...", "sku": "...", "quantity": N}`. The handler
processes every record on its own and returns the message ids it could not process in
`batchItemFailures`, so SQS deletes the rest and makes only those visible again (after
`maxReceiveCount` tries they land in the dead-letter queue). Raising instead would send the
whole batch back.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

MAX_QUANTITY = int(os.environ.get("MAX_QUANTITY", "20"))

# The catalogue this worker can fulfil: SKU -> unit price in cents.
CATALOGUE: dict[str, int] = {"MUG-RED": 1250, "MUG-BLUE": 1250, "TEA-EARLGREY": 675}


class InvalidOrder(ValueError):
    """The message can't be processed as it is; retrying it won't help on its own."""


def parse_order(body: str) -> dict[str, Any]:
    try:
        order = json.loads(body)
    except json.JSONDecodeError as e:
        raise InvalidOrder(f"body is not JSON: {e.msg}") from None
    if not isinstance(order, dict):
        raise InvalidOrder("body is not a JSON object")
    missing = [key for key in ("orderId", "sku", "quantity") if key not in order]
    if missing:
        raise InvalidOrder(f"missing fields: {', '.join(missing)}")
    if order["sku"] not in CATALOGUE:
        raise InvalidOrder(f"unknown sku {order['sku']!r}")
    quantity = order["quantity"]
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise InvalidOrder(
            f"quantity must be an integer from 1 to {MAX_QUANTITY}, got {quantity!r}"
        )
    return order


def process_order(order: dict[str, Any]) -> int:
    """Fulfil one order; returns its total in cents."""
    total = CATALOGUE[order["sku"]] * order["quantity"]
    logger.info(
        "order %s: %d x %s = %.2f", order["orderId"], order["quantity"], order["sku"], total / 100
    )
    return total


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    records = event.get("Records", [])
    failures: list[dict[str, str]] = []
    for record in records:
        message_id = record["messageId"]
        try:
            process_order(parse_order(record["body"]))
        except InvalidOrder as e:
            logger.warning("message %s failed: %s", message_id, e)
            failures.append({"itemIdentifier": message_id})
        except Exception:  # a bug or an outage: retry this message, keep the rest of the batch
            logger.exception("message %s failed unexpectedly", message_id)
            failures.append({"itemIdentifier": message_id})
    logger.info(
        "batch of %d: %d processed, %d failed",
        len(records),
        len(records) - len(failures),
        len(failures),
    )
    return {"batchItemFailures": failures}
