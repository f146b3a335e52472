"""plankg.graph."""
