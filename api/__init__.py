"""plankg.api."""
