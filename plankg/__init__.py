"""plankg: Chinese five-year development plans as a semantic knowledge graph."""

from importlib.resources import files

__version__ = "0.1.0"


def sample_plan_path() -> str:
    """Path of the bundled sample plan, used by every command given no file."""
    return str(files("plankg") / "samples" / "tacheng-13th-fyp.txt")
