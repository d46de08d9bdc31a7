"""The recommendation engine: additive named factors, learned efficacy, versioned models, offline
evaluation. Pure Python + numpy: no AWS, no I/O. The trigger services wire it in; nothing here reads a store.

Modules: ``features`` (the closed feature list and the per-employee input record), ``efficacy`` (empirical-Bayes
item efficacy from completion history), ``model`` (config, immutable versions, single and batch scoring),
``history`` (deterministic synthetic history with a planted signal), ``evaluate`` (time-split replay).
"""
