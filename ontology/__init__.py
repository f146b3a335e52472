"""plankg.ontology."""
