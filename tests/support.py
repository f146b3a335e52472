"""Helpers shared by the tests: where the real plans are, and running the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The plans folder sits beside the checkout (../shared/plans); PLANKG_PLANS overrides it.
PLANS = Path(os.environ.get("PLANKG_PLANS", REPO.parent / "shared" / "plans"))


def shared_plan(name: str) -> Path:
    path = PLANS / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared plans folder is not beside this checkout")
    return path


def run_cli(*args: str, input: bytes | None = None, cwd: str | None = None, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real ``plankg`` command in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "plankg", *args], capture_output=True, input=input,
                          cwd=cwd, env=env, timeout=timeout)
