"""Coachwire: the shared domain layer used by every Lambda function, the CLI and the local runtime."""

__version__ = "0.1.0"
