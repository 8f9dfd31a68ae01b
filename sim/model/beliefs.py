"""What a planner believes: the year's situation as the allocation policy sees it.

A policy that plans from a model of the world — the closed-loop allocator's value curves, a
by-need or by-marginal-value split — reads coefficients nobody has measured (a zone
committee's yearly cost, how well each level sees need, how fast zone capacity grows). In a
study of deep uncertainty (:mod:`sim.studies.decision`) each *world* draws those coefficients
from their bands, but the planner does not know which world it is in: it plans with the
parameter file's defaults, or a stated belief. Otherwise the allocator would look robust by
construction, re-optimising with the truth in every world.

``beliefs`` are parameter values (dotted paths) the planner uses in place of the run's own;
everything else — the state of the funds, the zones' capacity so far, the year's budget, the
policy's own settings — the planner sees as it is. The simulation itself (overheads paid,
effort placed, effects) always runs on the world's true parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.model.benefits import benefit_tables
from sim.model.development import real_value
from sim.model.yearly import join_rate

__all__ = ["planning_context"]


def planning_context(ctx, beliefs: Mapping[str, Any] | None):
    """The year's context (`engine.YearContext`) as a planner holding `beliefs` sees it.

    Without beliefs (None or empty) the context itself. Otherwise a copy whose parameters are
    the run's own with `beliefs` in place, and whatever the policy derives from parameters
    recomputed from them: the units' overhead and absorptive capacity, the benefit tables (when
    a belief is about benefits or demography, all they read), the join rate and the real value
    of full effect. Units keep their rows and ids, so money
    decided per row applies to the real units; state, development state (zone capacity),
    budget, funded zones and the random key are the real ones.
    """
    if not beliefs:
        return ctx
    params = ctx.params.with_overrides(dict(beliefs), origin="planner's beliefs")
    table = ctx.units.table.copy()
    level = table["level"].to_numpy()
    overhead = np.array([float(params[f"units.overhead_thb.{lv}"]) for lv in level])
    table["overhead_thb"] = overhead
    table["cap_thb"] = overhead + float(params["units.absorptive_thb_per_subdistrict"]) * table[
        "n_subdistricts"
    ].to_numpy(float)
    units = dataclasses.replace(ctx.units, table=table)
    touches_benefits = any(path.startswith(("benefits.", "demography.")) for path in beliefs)
    tables = benefit_tables(params) if touches_benefits else ctx.tables  # tables read only these
    base_join = join_rate(ctx.state, params, np.zeros(ctx.state.n))
    value = real_value(ctx.state, params, tables, base_join)
    return dataclasses.replace(
        ctx, params=params, units=units, tables=tables, value=value, join_rate=base_join
    )
