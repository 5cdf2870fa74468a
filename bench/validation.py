"""What request validation (botocore's model, emulator/validation.py) costs per call.

    .venv/bin/python bench/validation.py

Times `check_params` + `check_body` for typical requests, in process, after the model and the
operation's rules are loaded (as in a running `lamina serve`), and prints the median cost per
call in microseconds against the issue's goal (<= 100 us, i.e. 0.1 ms). The peer is the same
request without validation (a dict lookup), so the figure is the added cost.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from lamina.emulator import validation  # noqa: E402

GOAL_US = 100.0
ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders-api"
REQUESTS = {
    "GetFunction": ({"FunctionName": "orders-api"}, {"Qualifier": "live"}, None),
    "Invoke": ({"FunctionName": ARN}, {}, None),
    "UpdateFunctionConfiguration": (
        {"FunctionName": "orders-api"},
        {},
        {
            "Description": "orders",
            "Timeout": 30,
            "MemorySize": 512,
            "Environment": {"Variables": {"STAGE": "dev", "TABLE": "orders"}},
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Architectures": ["arm64"],
        },
    ),
    "CreateAlias": (
        {"FunctionName": "orders-api"},
        {},
        {
            "Name": "live",
            "FunctionVersion": "3",
            "RoutingConfig": {"AdditionalVersionWeights": {"4": 0.1}},
        },
    ),
}


def per_call_us(operation: str, rounds: int = 2000) -> float:
    path, query, body = REQUESTS[operation]
    samples = []
    for _ in range(15):
        started = time.perf_counter()
        for _ in range(rounds):
            errors: list[str] = []
            validation.check_params(operation, path, query, errors)
            if body is not None:
                validation.check_body(operation, body, errors)
            assert not errors, errors
        samples.append((time.perf_counter() - started) / rounds * 1e6)
    return statistics.median(samples)


def main() -> int:
    started = time.perf_counter()
    validation._load_model()
    print(
        f"botocore's Lambda model loaded in {(time.perf_counter() - started) * 1000:.0f} ms "
        "(off the event loop, while lamina serve starts)"
    )
    for operation in REQUESTS:
        validation.rules(operation)
    worst = 0.0
    for operation in REQUESTS:
        cost = per_call_us(operation)
        worst = max(worst, cost)
        print(f"  {operation:<30} {cost:6.1f} us per call")
    verdict = "met" if worst <= GOAL_US else "NOT met"
    print(f"validation adds at most {worst:.1f} us per call; goal <= {GOAL_US:.0f} us: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
