"""The allocation model written in PuLP: readable, exportable to LP/MPS, solved by HiGHS.

Variables: ``x<unit>_s<k>_<id>`` baht on segment k of a unit's curve above its overhead,
``y<unit>_<id>`` (MIP only) 1 if the unit is funded, ``z_total_non_region`` the equity total T.
Rows: ``budget``; ``share_min_<level>`` / ``share_max_<level>`` (level money minus share x all
money); ``equity_total`` (T = money of provinces, zones and mentor funds) and per province
``equity_low_<p>`` / ``equity_high_<p>`` (its money minus ratio x population share x T);
``link_<unit>`` (MIP only: segments <= M x y). Fixed overheads of funded units are constants,
so PuLP moves them to the right-hand sides.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
import pulp

from sim.allocation.explain import build_result, core_rows, safe_name, value_sign
from sim.allocation.highs_arrays import Infeasible, highs_version
from sim.allocation.problem import Prepared
from sim.allocation.result import AllocationResult
from sim.errors import SimError

SOLVER = f"HiGHS {highs_version()} via PuLP {pulp.__version__}"
PROBLEM_NAME = "welfare_allocation"


class PulpModel:
    """The PuLP problem plus the variables the answer is read from."""

    def __init__(self, prep: Prepared, *, mip: bool = False):
        self.prep = prep
        self.mip = mip
        n, s = prep.seg_len.shape
        width = max(5, len(str(n)))
        active = prep.funded_fixed | (prep.choose & mip)
        self.prob = pulp.LpProblem(PROBLEM_NAME, pulp.LpMaximize)
        self.segs: dict[int, list[pulp.LpVariable]] = {}
        self.y: dict[int, pulp.LpVariable] = {}
        for i in np.nonzero(active)[0]:
            tag = f"{i:0{width}d}"
            uid = safe_name(prep.unit_ids[i])
            self.segs[i] = [
                self.prob.add_variable(
                    f"x{tag}_s{k:02d}_{uid}",
                    lowBound=0,
                    upBound=None if np.isinf(prep.seg_len[i, k]) else float(prep.seg_len[i, k]),
                )
                for k in range(s)
            ]
            if prep.choose[i] and mip:
                self.y[i] = self.prob.add_variable(f"y{tag}_{uid}", 0, 1, cat=pulp.LpBinary)
        self.total = (
            self.prob.add_variable("z_total_non_region", lowBound=0)
            if prep.equity is not None
            else None
        )
        fixed = prep.funding_value if prep.funding_value is not None else np.zeros(n)
        self.prob += pulp.LpAffineExpression(
            [
                (v, float(prep.seg_value[i, k]))
                for i, vs in self.segs.items()
                for k, v in enumerate(vs)
            ]
            + [(y, float(fixed[i])) for i, y in self.y.items() if fixed[i] != 0]
        )
        self._add_rows()

    def _money(self, coef: np.ndarray) -> pulp.LpAffineExpression:
        """sum over units of coef[u] x (money of u, overhead included)."""
        terms, constant = [], 0.0
        for i, vs in self.segs.items():
            c = float(coef[i])
            if c == 0:
                continue
            terms += [(v, c) for v in vs]
            if i in self.y:
                terms.append((self.y[i], c * float(self.prep.overhead[i])))
            else:
                constant += c * float(self.prep.overhead[i])
        return pulp.LpAffineExpression(terms, constant=constant)

    def _add_rows(self) -> None:
        prep, prob = self.prep, self.prob
        n = prep.n
        weight = prep.province_population / max(prep.province_population.sum(), 1e-300)
        province_of = {f"{safe_name(p)}": i for i, p in enumerate(prep.provinces)}
        for name, _group, _sense in core_rows(prep):
            if name == "budget":
                money = self._money(np.ones(n))
                prob += (money == prep.budget if prep.spend_all else money <= prep.budget), name
            elif name.startswith("share_"):
                bound, level = name[6:9], name[10:]
                share = (prep.share_min if bound == "min" else prep.share_max)[level]
                money = self._money((prep.level == level).astype(float) - share)
                prob += (money >= 0 if bound == "min" else money <= 0), name
            elif name == "equity_total":
                provincial = (prep.unit_province >= 0).astype(float)
                prob += self.total - self._money(provincial) == 0, name
            else:
                low = name.startswith("equity_low_")
                p = province_of[name.removeprefix("equity_low_" if low else "equity_high_")]
                ratio = prep.equity[0] if low else prep.equity[1]
                money = self._money((prep.unit_province == p).astype(float))
                money -= ratio * float(weight[p]) * self.total
                prob += (money >= 0 if low else money <= 0), name
        for i, y in self.y.items():
            big_m = float(min(prep.room[i], prep.budget))
            prob += pulp.lpSum(self.segs[i]) - big_m * y <= 0, f"link_{i}"

    def run(self) -> float:
        """Solve with HiGHS through PuLP; returns seconds spent in the solver."""
        solver = pulp.HiGHS(msg=False, mip=self.mip, gapRel=1e-9 if self.mip else None)
        start = time.perf_counter()
        self.prob.solve(solver)
        seconds = time.perf_counter() - start
        status = pulp.LpStatus[self.prob.status]
        if status == "Infeasible":
            raise Infeasible()
        if status != "Optimal":
            raise SimError(
                f"the allocation solver stopped without an optimum (PuLP status {status})",
                where="allocation",
            )
        return seconds

    def money_above_overhead(self) -> np.ndarray:
        z = np.zeros(self.prep.n)
        for i, vs in self.segs.items():
            z[i] = sum(v.varValue or 0.0 for v in vs)
        return z

    def funded(self) -> np.ndarray:
        funded = self.prep.funded_fixed.copy()
        for i, y in self.y.items():
            funded[i] = (y.varValue or 0.0) > 0.5
        return funded

    def duals(self) -> tuple[dict[str, float], np.ndarray]:
        """Row prices and unit prices q_u in the value convention, sign checked at run time."""
        aty: dict[str, float] = defaultdict(float)
        constraints = self.prob.constraints()
        for c in constraints:
            pi = c.pi or 0.0
            for var, coef in c.items():
                aty[var.name] += coef * pi
        variables = self.prob.variables()
        cost = np.array([self.prob.objective.get(v, 0.0) for v in variables])
        stationarity = np.array([aty[v.name] + (v.dj or 0.0) for v in variables])
        sign = value_sign(cost, stationarity)
        rows = {c.name: sign * (c.pi or 0.0) for c in constraints}
        q = np.zeros(self.prep.n)
        for i, vs in self.segs.items():
            q[i] = sign * aty[vs[0].name]
        return rows, q


def solve_lp(prep: Prepared) -> AllocationResult:
    """Build, solve and explain the LP for a fixed funded set through PuLP."""
    start = time.perf_counter()
    model = PulpModel(prep)
    model.run()
    rows, q = model.duals()
    return build_result(
        prep,
        model.money_above_overhead(),
        prep.funded_fixed,
        rows,
        q,
        solver=SOLVER,
        status="optimal",
        seconds=time.perf_counter() - start,
    )


def mip_funded(prep: Prepared, mip_gap: float = 1e-9, start: np.ndarray | None = None) -> np.ndarray:
    """Which units the mixed-integer PuLP model funds (`mip_gap` and the `start` funded set are
    the fast path's; PuLP's HiGHS runs at its own 1e-9 from nothing)."""
    model = PulpModel(prep, mip=True)
    model.run()
    return model.funded()
