"""Pilot and outcome metrics: pure statistics (numpy + math, no scipy/pandas at runtime) and the versioned metric
definitions published in docs/metrics.md.

* `coachwire.metrics.survival`     Kaplan-Meier curve, median with CI ("not reached"), log-rank test.
* `coachwire.metrics.proportions`  Wilson, Newcombe, difference in differences (or "no baseline"), mean with a
                                   t-interval, eNPS with its CI, small-n warnings.
* `coachwire.metrics.definitions`  the metric definitions as data, and their Markdown rendering.

A domain-level package: it imports only coachwire.models (import-linter, pyproject.toml).
"""
