"""Data readiness audit of HRIS exports: is this organisation's HR data good enough for AI coaching?

`coachwire data audit DIR` reads an export folder (employees and job architecture, performance reviews, skills
assessments, learning records, 360 feedback, career goals; CSV or JSON) and reports per source how structured,
current, accessible and complete it is, with a verdict and the blocking gaps ranked. See docs/data-readiness.md.

Modules: ``sources`` (recognising and reading files), ``values`` (reading single values), ``config`` (thresholds
and readiness.yaml), ``checks`` (the pure checks), ``model`` (findings and the report), ``render`` (table,
Markdown, HTML, JSON), ``audit`` (running it on a folder), ``cli`` (the command; imports only argparse at load).
"""
