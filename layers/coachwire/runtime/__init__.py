"""Lambda glue shared by the handlers in functions/: batch processing, auditing, HTTP responses."""
