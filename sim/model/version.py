"""The model version: raised whenever the draws or the mechanisms change.

Committed results under ``results/`` record the model version they were made with (and a hash
of the parameter defaults); ``tests/test_results_manifests.py`` fails when either differs from
the current code, so a result cannot go stale silently. Raise ``MODEL_VERSION`` in the same
commit that changes what a run draws or does, and regenerate the results it touches.

History:
1. welfare-sim 0.1: the first engine, allocator and studies.
2. 0.2: the headline is discounted person-years protected (``metrics.protected_ratio`` against
   the standard package, weighted by min(generosity, 1)); targeting by posterior mean need and
   water-filling (no focus exponent); province and zone efficiency equal; the starting state
   carries its recent history and "members falling" needs a decline beyond a threshold.
"""

MODEL_VERSION = 2
