"""Model: the funds, their members and money, and the development budget that grows them.

Owns the counter-based random streams (``rng``), the fund state (``state``), benefit tables,
the compiled monthly step, the yearly step (matching grant, founding, status), development
units and targeting (``development``), the allocation policies (``rule``, ``zone_share`` and
the closed-loop ``lp`` policy, which builds value curves from the state and calls
:mod:`sim.allocation`), the engine that steps a run year by year, and summary metrics. It may
import :mod:`sim.inputs`, :mod:`sim.world` and :mod:`sim.allocation`; nothing above.
"""
