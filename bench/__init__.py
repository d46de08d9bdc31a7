"""`make bench`: the figures in docs/performance.md (a benchmark, not a test).

Kept free of imports: `bench.coldstart_child` runs in fresh interpreters whose import time is measured.
"""
