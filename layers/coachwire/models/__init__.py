"""Pydantic models: inbound events (strict), the competency framework and catalog, and coaching records."""
