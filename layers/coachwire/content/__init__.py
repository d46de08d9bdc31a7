"""Content files that ship with the package (read with importlib.resources, never imported): guides/ holds the
conversation guides HR edits (docs/guides.md)."""
