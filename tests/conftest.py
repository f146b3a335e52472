"""Shared fixtures: the bundled sample, read once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from plankg import sample_plan_path
from plankg.extraction import build_document, read_plan


@pytest.fixture(scope="session")
def sample_doc():
    return build_document(read_plan(sample_plan_path()))


@pytest.fixture(scope="session")
def sample_text() -> str:
    return Path(sample_plan_path()).read_text(encoding="utf-8")
