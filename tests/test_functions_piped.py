"""`lamina functions` piped into grep or a file, as a user of a real project runs it (issue 16):
every cell whole, however long its path, with no terminal width to lean on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CODE = "services/orders/handlers/a_long_directory_name_for_the_order_processing_service/src"


def test_a_piped_table_keeps_full_paths(tmp_path: Path) -> None:
    (tmp_path / CODE).mkdir(parents=True)
    (tmp_path / CODE / "order_processing_handler_module.py").write_text(
        "def lambda_handler(event, context):\n    return 1\n"
    )
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  OrderProcessingFunctionWithAVeryLongLogicalName:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      FunctionName: company-orders-production-order-processing-function\n"
        f"      CodeUri: {CODE}\n"
        "      Handler: order_processing_handler_module.lambda_handler\n"
        "      Runtime: python3.12\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "functions"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "…" not in out.stdout
    [row] = [line for line in out.stdout.splitlines() if "lambda_handler" in line]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells[:3] == [
        "OrderProcessingFunctionWithAVeryLongLogicalName "
        "(company-orders-production-order-processing-function)",
        "order_processing_handler_module.lambda_handler",
        f"{CODE}/order_processing_handler_module.py:1",
    ]
