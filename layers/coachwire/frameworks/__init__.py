"""Competency frameworks that travel: the file format, validation, importers and exporters."""
