"""Laptop and operations tooling around Coachwire: the CLI, the local stack, the demo, the sample organisation,
framework importers and exporters, the data readiness audit. Never bundled into the Lambda layer."""
