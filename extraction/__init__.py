"""Extraction: plan text in, one :class:`~plankg.extraction.model.Document` out."""

from .errors import PlanError
from .model import Document, Node, PlanInfo
from .outline import build_document
from .source import SourceText, decode_plan, read_plan

__all__ = ["Document", "Node", "PlanError", "PlanInfo", "SourceText", "build_document", "decode_plan", "read_plan"]
