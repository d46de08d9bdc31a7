"""Application services: orchestrate ports and pure domain logic for each trigger."""
