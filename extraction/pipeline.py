"""The extraction pipeline: small components run in order over one Document (as in spaCy)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from . import segment
from .model import Document
from .narrative import extract_targets
from .outline import build_document
from .places import extract_places
from .goals import extract_goals
from .projects import extract_projects
from .sectors import extract_sectors
from .source import SourceText, read_plan
from .tables import extract_indicators

Component = Callable[[Document], None]

# Each component reads what the ones before it left on the document and adds its own part.
COMPONENTS: list[tuple[str, Component]] = [
    ("indicators", extract_indicators),
    ("targets", extract_targets),
    ("places", extract_places),
    ("projects", extract_projects),
    ("sectors", extract_sectors),
    ("goals", extract_goals),
]


def process(source: SourceText, components: list[tuple[str, Component]] | None = None) -> Document:
    segment.new_plan()  # the words an earlier plan taught jieba are forgotten
    doc = build_document(source)
    for _, component in components or COMPONENTS:
        component(doc)
    return doc


def read(path: str | Path) -> Document:
    """Read and extract a plan file: the one call most users need."""
    return process(read_plan(path))
