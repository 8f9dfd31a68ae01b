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
3. Funds as they really differ (issue 13): a saving schedule per fund and compliance moved by
   governance (contributions, matching requests and sustainable benefits see what members
   really pay); reach that grows with trust (governance and years of reliable payouts) and
   dropout that falls with trust and tenure, replacing the one coverage ceiling; members'
   newborns enrolled; founding size a share of the place; a living population (ageing, deaths,
   births, migration onto the province trends); the shaping constants of the start, founding,
   revival and the central fund as parameters; development eligibility by programme group;
   leaving drawn per (age, tenure) cell. Re-calibrated (results/calibration).
4. Fewer draws per fund-month (issue 15): events that share one rate are drawn once for all who
   share it and split over their cells by hypergeometric draws (`rng.split_cells`): deaths per
   age band over tenure and waiting cells, leaving per tenure band over age cells, ageing and
   tenure moves per band. The same distributions (the individual-level reference test), other
   draws. Re-calibrated.
5. The one-year outlook (targeting's need and the LP's curves) keeps the year's joiners, founders
   and waiting members at the first tenure band's dropout, as the engine does (it kept them at the
   members' tenure-averaged rate: +15% on development's one-year effect, outreach 1.67x).
6. A run starting in 2023 starts from the calibrated history's funds of 2023
   (`sim.model.history_start`, `welfare-sim start-state`): about 1,000 members per Isan fund
   instead of the synthetic start's ~500, with statuses and their history from the engine's
   own dynamics.
7. The one-year outlook takes today's eligible members' dropout from their own tenure mix (the
   waiting members, projected apart since model 5, no longer counted in the first band) as it ages
   month by month through the year: development's one-year full effect on the history's start
   +0.6% against the engine (was +10.4%).
8. The `lp` policy reads the year's outlook once (issue 15): its curves and the joint evaluation
   of its candidate allocations share one table of the year's expected people protected by
   strength, with the matching pot's scale read at the even guess (it moves by about 0.05%
   between the allocations the passes reach; each pass and evaluation used to re-project at its
   own), the evaluation reads the table between its 65 strengths (within 2e-6 of projecting
   every view afresh), the settling passes' curves use the full table (they used a 33-point
   one), and the mixed-integer search starts from the best start's funded set. Rule policies
   draw and do exactly what they did in model 7 (bit for bit); the `lp` policy's allocations of
   Isan's first three years are unchanged to the baht.
"""

MODEL_VERSION = 8
