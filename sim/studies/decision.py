"""Deciding under deep uncertainty: which practice is robust, where zones win, what to measure.

The coefficients that decide between provinces and zones — a zone committee's yearly cost,
how well each level sees need, how much of a baht each level turns into field work, how fast
zone capacity grows and decays — are in no record (MODEL.md section 9). So instead of one
answer at the defaults, the study runs every candidate policy in many plausible **worlds**
and asks which policy holds up across them (exploratory modelling, robust decision making):

- **Worlds**: a Latin hypercube over the coefficients a study file lists
  (``scenarios/studies/decide.toml``), each uniform on its ``band`` in the parameter file and
  independent of the others (the priors the report states).
- **Policies**: the same in every world — the province practice, the 2022 pilot, every zone
  funded at several shares, fewer better-funded zones, the closed-loop allocator — plus a
  zero-budget twin, all on common random numbers: replicate k of every (world, policy) draws
  the same, so differences measure the policy and the world, not the noise.
- **The planner plans with nominal beliefs** (:mod:`sim.model.beliefs`): the allocator and any
  split by need use the base scenario's values of the coefficients in every world, never the
  world's own — otherwise the allocator would look robust by construction.
- **Per world and policy**: the headline (discounted person-years protected over the
  horizon), coverage, funds dormant and equity (Gini of coverage across provinces), as
  replicate means with standard errors (:mod:`sim.studies.decision_regret`).

From those tables: regret and robustness (:mod:`~sim.studies.decision_regret`), the conditions
under which zones win by PRIM (:mod:`~sim.studies.decision_discovery`), the expected value of
partial perfect information of each coefficient (:mod:`~sim.studies.decision_evppi`), and the
written report (:mod:`~sim.studies.decision_report`).

The study runs on the sweep machinery (:class:`sim.experiments.Sweep`): one run is one
(world, policy, replicate), the model function is :func:`run_world_policy`, runs stream to
Parquet as they finish, on local processes or a Dask cluster, and a re-run resumes.

>>> d = Decision.from_file(quick=True)        # or Decision.from_file("my_study.toml")
>>> d.run("/tmp/decide")                      # worlds x policies x replicates, resumable
>>> d.robustness()                            # regret per policy: max, 90th percentile, mean
>>> d.discover()                              # PRIM boxes: where zones win
>>> d.evppi()                                 # what to measure first
>>> d.report("/tmp/decide")                   # tables, figures, decision.md, manifest.json
"""

from __future__ import annotations

import hashlib
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError

__all__ = [
    "GROUPS",
    "HEADLINE",
    "OUTCOMES",
    "STUDY_FILE",
    "ZERO_BUDGET",
    "Coefficient",
    "Decision",
    "Policy",
    "StudyConfig",
    "design_table",
    "person_years_protected",
    "read_study",
    "run_world_policy",
    "world_table",
]

REPO = Path(__file__).resolve().parents[2]
STUDY_FILE = REPO / "scenarios" / "studies" / "decide.toml"
MODEL = "sim.studies.decision:run_world_policy"
ZERO_BUDGET = "__zero_budget__"
BUDGET = "budget.development_thb_per_year"
HEADLINE = "person_years_protected"
OUTCOMES = (HEADLINE, "people_protected", "coverage", "funds_dormant", "coverage_gini_province")
GROUPS = ("province", "zones", "allocator")
DEFAULT_DISCOUNT_RATE = 0.03  # only if the parameter file has no metrics.discount_rate

_TOP_KEYS = ("name", "title", "base", "run", "size", "quick", "analysis", "coefficients",
             "beliefs", "policies")
_RUN_KEYS = ("region", "start_year", "years", "seed")
_SIZE_KEYS = ("worlds", "replicates", "allocator_worlds")
_QUICK_KEYS = ("region", "start_year", "years", *_SIZE_KEYS, "bootstrap")
_ANALYSIS = {"reference": "province_2021", "margin": 0.02, "bootstrap": 200,
             "prim_min_density": 0.8, "prim_boxes": 2}
_POLICY_KEYS = ("name", "scenario", "set", "group", "title")


# ------------------------------------------------------------------------------ the study


@dataclass(frozen=True)
class Coefficient:
    """An unmeasured coefficient of the study: its band (the uniform prior), the planner's
    nominal value and why the band is that wide."""

    path: str
    low: float
    high: float
    kind: str  # "int" or "float"
    nominal: float
    unit: str
    reason: str

    def describe(self) -> str:
        return f"{self.path}: uniform {self.low:,.6g} to {self.high:,.6g} {self.unit} (planner's value {self.nominal:,.6g})"


@dataclass(frozen=True)
class Policy:
    """A candidate policy: its parameter settings, the same in every world."""

    name: str
    group: str
    title: str
    scenario: str
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StudyConfig:
    """Everything that defines a decision study (read from a study file by :func:`read_study`)."""

    name: str
    title: str
    source: Path | None
    base: Path
    region: str | tuple[str, ...]
    start_year: int
    years: int
    seed: int
    worlds: int
    replicates: int
    allocator_worlds: int
    coefficients: tuple[Coefficient, ...]
    policies: tuple[Policy, ...]
    beliefs: dict[str, Any]
    reference: str = "province_2021"
    margin: float = 0.02
    bootstrap: int = 200
    prim_min_density: float = 0.8
    prim_boxes: int = 2
    quick: bool = False

    def resized(self, worlds: int | None = None, replicates: int | None = None,
                allocator_worlds: int | None = None) -> StudyConfig:
        """The same study at another size (the command line's --worlds, --replicates)."""
        changes = {k: v for k, v in (("worlds", worlds), ("replicates", replicates),
                                     ("allocator_worlds", allocator_worlds)) if v is not None}
        for key, value in changes.items():
            _check_count(value, key, f"--{key.replace('_', '-')}", minimum=0 if key == "allocator_worlds" else 1)
        return replace(self, **changes)

    @property
    def coefficient_paths(self) -> list[str]:
        return [c.path for c in self.coefficients]

    def group(self, group: str) -> list[Policy]:
        return [p for p in self.policies if p.group == group]

    @property
    def rule_policies(self) -> list[Policy]:
        """Policies run in every world (all but the allocator group)."""
        return [p for p in self.policies if p.group != "allocator"]

    @property
    def n_allocator_worlds(self) -> int:
        return min(self.allocator_worlds, self.worlds) if self.group("allocator") else 0

    @property
    def n_runs(self) -> dict[str, int]:
        rules = self.worlds * (len(self.rule_policies) + 1) * self.replicates  # + the twin
        allocator = self.n_allocator_worlds * len(self.group("allocator")) * self.replicates
        return {"rules": rules, "allocator": allocator, "total": rules + allocator}


def _fail(message: str, source: Path | None, where: str | None = None) -> SimError:
    return SimError(message, path=str(source) if source else "<study>", where=where)


def _check_count(value: Any, key: str, where: str, source: Path | None = None, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value > 100_000:
        raise _fail(f"must be a whole number from {minimum} to 100,000, got {value!r}", source, where)
    return value


def _check_keys(table: Any, allowed: Sequence[str], source: Path | None, where: str) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise _fail(f"expected a table, got {type(table).__name__}", source, where)
    unknown = [k for k in table if k not in allowed]
    if unknown:
        from sim.inputs.parameters import did_you_mean

        close = did_you_mean(unknown[0], allowed)
        hint = f"; did you mean {close[0]}?" if close else f" (allowed: {', '.join(allowed)})"
        raise _fail(f"unknown key {unknown[0]!r}{hint}", source, f"{where}.{unknown[0]}" if where else unknown[0])
    return dict(table)


def _find_scenario(value: Any, folder: Path, source: Path | None, where: str) -> Path:
    """A scenario named in the study file: a path from the file's folder, or a shipped name."""
    from sim.inputs.scenario import find_scenario

    if not isinstance(value, str) or not value.strip():
        raise _fail("expected a scenario name or path", source, where)
    for candidate in (folder / value, folder / f"{value}.toml"):
        if candidate.is_file():
            return candidate.resolve()
    try:
        return find_scenario(value).resolve()
    except SimError as err:
        raise _fail(str(err), source, where) from None


@lru_cache(maxsize=16)
def _scenario(path: str):
    from sim.inputs.scenario import load_scenario

    return load_scenario(path)


def read_study(path: str | Path | None = None, *, quick: bool = False) -> StudyConfig:
    """Read and check a study file (default ``scenarios/studies/decide.toml``).

    ``quick`` takes the file's ``[quick]`` size and region. Strict like scenario files:
    unknown keys, unknown parameter paths, bands outside the allowed range, policies that set
    a coefficient the worlds draw, and a reference that is not a policy all fail naming the
    file and key.
    """
    from sim.inputs.parameters import default_parameters

    source = Path(path) if path is not None else STUDY_FILE
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as err:
        raise _fail(f"cannot read the study file: {err}", source) from None
    data = _check_keys(data, _TOP_KEYS, source, "")
    folder = source.resolve().parent
    base = _find_scenario(data.get("base", "baseline"), folder, source, "base")
    base_scenario = _scenario(str(base))
    params = default_parameters()

    run = _check_keys(data.get("run", {}), _RUN_KEYS, source, "run")
    size = _check_keys(data.get("size", {}), _SIZE_KEYS, source, "size")
    quick_table = _check_keys(data.get("quick", {}), _QUICK_KEYS, source, "quick")
    if quick:
        run = {**run, **{k: v for k, v in quick_table.items() if k in _RUN_KEYS}}
        size = {**size, **{k: v for k, v in quick_table.items() if k in _SIZE_KEYS}}
    region = run.get("region", base_scenario.region)
    region = region if isinstance(region, str) else tuple(str(r) for r in region)
    start_year = run.get("start_year", base_scenario.start_year)
    years = run.get("years", base_scenario.years)
    seed = run.get("seed", base_scenario.seed)
    try:  # the run fields are checked as a scenario would check them
        base_scenario.with_overrides({}, region=region, start_year=start_year, years=years, seed=seed)
    except SimError as err:
        raise _fail(str(err), source, "run") from None
    worlds = _check_count(size.get("worlds", 100), "worlds", "size.worlds", source)
    replicates = _check_count(size.get("replicates", 2), "replicates", "size.replicates", source)
    allocator_worlds = _check_count(size.get("allocator_worlds", worlds), "allocator_worlds",
                                    "size.allocator_worlds", source, minimum=0)

    analysis = {**_ANALYSIS, **_check_keys(data.get("analysis", {}), tuple(_ANALYSIS), source, "analysis")}
    if quick and "bootstrap" in quick_table:
        analysis["bootstrap"] = quick_table["bootstrap"]
    if not (isinstance(analysis["margin"], int | float) and 0 <= analysis["margin"] < 1):
        raise _fail("margin must be a share from 0 to 1 (0.02 = 2%)", source, "analysis.margin")
    if not (isinstance(analysis["prim_min_density"], int | float) and 0 < analysis["prim_min_density"] <= 1):
        raise _fail("prim_min_density must be a share above 0, at most 1", source, "analysis.prim_min_density")
    _check_count(analysis["bootstrap"], "bootstrap", "analysis.bootstrap", source, minimum=10)
    _check_count(analysis["prim_boxes"], "prim_boxes", "analysis.prim_boxes", source)

    coefficients = _read_coefficients(data.get("coefficients"), params, base_scenario, source)
    paths = {c.path for c in coefficients}
    policies = _read_policies(data.get("policies"), folder, paths, params, source)
    names = [p.name for p in policies]
    if analysis["reference"] not in names:
        raise _fail(f"the reference {analysis['reference']!r} is not one of the policies "
                    f"({', '.join(names)})", source, "analysis.reference")
    if not any(p.group == "zones" for p in policies):
        raise _fail('no policy of group "zones": zones cannot win', source, "policies")

    beliefs = {c.path: c.nominal for c in coefficients if not c.path.startswith("budget.")}
    stated = data.get("beliefs", {})
    if not isinstance(stated, Mapping):
        raise _fail("expected a table of parameter paths and values", source, "beliefs")
    from sim.inputs.parameters import flatten_overrides

    for key, value in flatten_overrides(stated).items():
        beliefs[key] = params.coerce(key, value, origin=str(source), where=f"beliefs.{key}")
    title = data.get("title", "")
    name = data.get("name", source.stem)
    if not isinstance(name, str) or not name.strip() or not isinstance(title, str):
        raise _fail("name and title must be text", source, "name")
    return StudyConfig(
        name=name, title=title, source=source.resolve(), base=base, region=region,
        start_year=int(start_year), years=int(years), seed=int(seed), worlds=worlds,
        replicates=replicates, allocator_worlds=allocator_worlds, coefficients=tuple(coefficients),
        policies=tuple(policies), beliefs=beliefs, reference=analysis["reference"],
        margin=float(analysis["margin"]), bootstrap=int(analysis["bootstrap"]),
        prim_min_density=float(analysis["prim_min_density"]), prim_boxes=int(analysis["prim_boxes"]),
        quick=quick,
    )


def _read_coefficients(raw: Any, params, base_scenario, source: Path | None) -> list[Coefficient]:
    if not isinstance(raw, list) or not raw:
        raise _fail("list at least one [[coefficients]] with a path", source, "coefficients")
    out: list[Coefficient] = []
    for i, item in enumerate(raw):
        where = f"coefficients[{i}]"
        item = _check_keys(item, ("path", "low", "high"), source, where)
        path = item.get("path")
        if not isinstance(path, str) or path not in params.definitions:
            from sim.inputs.parameters import did_you_mean

            close = did_you_mean(str(path), params.definitions)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise _fail(f"unknown parameter {path!r}{hint}", source, f"{where}.path")
        d = params.definitions[path]
        if d.kind not in ("int", "float"):
            raise _fail(f"{path} is not a single number ({d.kind}): a world cannot draw it", source, where)
        if any(c.path == path for c in out):
            raise _fail(f"{path} is listed twice", source, where)
        if d.band is None and ("low" not in item or "high" not in item):
            raise _fail(f"{path} has no band in the parameter file: give low and high here", source, where)
        low = item.get("low", d.band[0] if d.band else None)
        high = item.get("high", d.band[1] if d.band else None)
        for key, value in (("low", low), ("high", high)):
            params.coerce(path, value, origin=str(source), where=f"{where}.{key}")
        if not low < high:
            raise _fail(f"low ({low}) must be below high ({high})", source, where)
        reason = d.band_reason if ("low" not in item and "high" not in item) else "set in the study file"
        out.append(Coefficient(path, float(low), float(high), d.kind, float(base_scenario.params[path]),
                               d.unit, reason))
    return out


def _read_policies(raw: Any, folder: Path, coefficient_paths: set[str], params,
                   source: Path | None) -> list[Policy]:
    if not isinstance(raw, list) or not raw:
        raise _fail("list the candidate [[policies]]", source, "policies")
    out: list[Policy] = []
    for i, item in enumerate(raw):
        where = f"policies[{i}]"
        item = _check_keys(item, _POLICY_KEYS, source, where)
        name = item.get("name")
        if not isinstance(name, str) or not name.replace("_", "").isalnum() or name.startswith("_"):
            raise _fail(f"name must be letters, digits and underscores, got {name!r}", source, f"{where}.name")
        if any(p.name == name for p in out):
            raise _fail(f"policy {name!r} is listed twice", source, f"{where}.name")
        group = item.get("group")
        if group not in GROUPS:
            raise _fail(f"group must be one of {', '.join(GROUPS)}, got {group!r}", source, f"{where}.group")
        path = _find_scenario(item.get("scenario"), folder, source, f"{where}.scenario")
        scenario = _scenario(str(path))
        overrides = {k: v for k, v in scenario.overrides.items() if k.startswith("policy.")}
        extra = item.get("set", {})
        if not isinstance(extra, Mapping):
            raise _fail("set must be a table of parameter paths and values", source, f"{where}.set")
        from sim.inputs.parameters import flatten_overrides

        for key, value in flatten_overrides(extra).items():
            if key in coefficient_paths:
                raise _fail(f"{key} is a coefficient the worlds draw; a policy cannot set it",
                            source, f"{where}.set.{key}")
            overrides[key] = params.coerce(key, value, origin=str(source), where=f"{where}.set.{key}")
        overrides = {k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()}
        title = item.get("title", scenario.title or name)
        out.append(Policy(name, group, str(title), path.stem, overrides))
    return out


# --------------------------------------------------------------------------- the design


def _declarations(cfg: StudyConfig) -> list:
    from sim.experiments import IntRange, Range

    return [IntRange(c.path, int(c.low), int(c.high)) if c.kind == "int" else Range(c.path, c.low, c.high)
            for c in cfg.coefficients]


def world_table(cfg: StudyConfig) -> pd.DataFrame:
    """The worlds: a seeded Latin hypercube over the coefficients' bands (one row per world)."""
    from sim.experiments import latin_hypercube

    points = latin_hypercube(_declarations(cfg), cfg.worlds, cfg.seed)
    return points.rename(columns={"point_id": "world"})


def design_table(cfg: StudyConfig, worlds: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every (world, policy) point: the rule policies and the twin in every world first (world
    by world), then the allocator policies in the first `allocator_worlds` worlds."""
    worlds = world_table(cfg) if worlds is None else worlds
    rules = [p.name for p in cfg.rule_policies] + [ZERO_BUDGET]
    rows = [(w, name) for w in worlds["world"] for name in rules]
    rows += [(w, p.name) for w in worlds["world"][: cfg.n_allocator_worlds] for p in cfg.group("allocator")]
    frame = pd.DataFrame(rows, columns=["world", "policy"])
    frame = frame.merge(worlds, on="world", how="left", sort=False)
    frame.insert(0, "point_id", np.arange(len(frame), dtype=np.int64))
    return frame


def _chain_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for file in _scenario(str(path)).chain:
        digest.update(Path(file).read_bytes())
    return digest.hexdigest()


def study_base(cfg: StudyConfig) -> dict[str, Any]:
    """What every run of the study shares (travels with each RunSpec; stored in sweep.json)."""
    policies = {p.name: p.overrides for p in cfg.policies}
    policies[ZERO_BUDGET] = {BUDGET: 0.0}
    return {
        "name": cfg.name,
        "seed": cfg.seed,
        "scenario": str(cfg.base),
        "scenario_sha256": _chain_sha256(cfg.base),
        "run": {"region": cfg.region if isinstance(cfg.region, str) else list(cfg.region),
                "start_year": cfg.start_year, "years": cfg.years},
        "policies": policies,
        "beliefs": dict(cfg.beliefs),
    }


# ---------------------------------------------------------------------- the model function


def person_years_protected(summary: pd.DataFrame, params) -> np.ndarray:
    """The headline by year: people protected summed from the first year, discounted.

    The engine's own column (``sim.model.metrics.HEADLINE``) when the summary has it; otherwise
    computed here from the yearly people protected at ``metrics.discount_rate`` — the one
    place to switch when the engine's definition moves.
    """
    if HEADLINE in summary.columns:
        return summary[HEADLINE].to_numpy(float)
    rate = (float(params["metrics.discount_rate"]) if "metrics.discount_rate" in params.definitions
            else DEFAULT_DISCOUNT_RATE)
    years = summary["year"].to_numpy(float)
    weights = (1.0 + rate) ** -(years - years.min())
    return np.cumsum(summary["people_protected"].to_numpy(float) * weights)


def run_world_policy(spec) -> dict[str, pd.DataFrame]:
    """One (world, policy, replicate): the study's model function for the sweep machinery.

    `spec.overrides` holds the world's coefficients, ``world`` and ``policy``; `spec.base` is
    :func:`study_base`. The policy's settings apply over the world's (the twin's zero budget
    wins over the world's budget); the planner plans with ``beliefs``. Replicate k uses the
    sweep's seed and k, the same in every world and under every policy (common random numbers).
    Returns the yearly outcomes (``summary``) and the run's CPU seconds (``cpu_seconds``).
    """
    from sim.model.engine import Simulation

    cpu_start = time.process_time()
    study = spec.base
    values = dict(spec.overrides)
    values.pop("world")
    policy = str(values.pop("policy"))
    run = study["run"]
    region = run["region"] if isinstance(run["region"], str) else tuple(run["region"])
    scenario = _scenario(study["scenario"]).with_overrides(
        {**values, **study["policies"][policy]}, region=region,
        start_year=int(run["start_year"]), years=int(run["years"]))
    seed = spec.base_seed if getattr(spec, "base_seed", None) is not None else spec.seed
    sim = Simulation(scenario, spec.replicate, seed=seed, outputs=("summary",), beliefs=study["beliefs"])
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
    summary = pd.DataFrame(sim.summaries)
    out = pd.DataFrame({"year": summary["year"].to_numpy(np.int64),
                        HEADLINE: person_years_protected(summary, scenario.params)})
    for column in OUTCOMES[1:] + ("dev_budget_thb", "dev_overhead_thb"):
        if column in summary.columns:
            out[column] = summary[column].to_numpy()
    out["cpu_seconds"] = time.process_time() - cpu_start  # the run's compute, for benchmarks/decide.py
    return {"summary": out}


def _study_sweep(cfg: StudyConfig, points: pd.DataFrame):
    """The study as a sweep whose points are the (world, policy) table."""
    from sim.experiments import DesignSpec, Levels, Sweep

    class StudySweep(Sweep):
        """A sweep over explicit points: every policy in every world (not a design's sample)."""

        @property
        def n_points(self) -> int:
            return len(points)

        def _points(self):
            return points, None

    names = [p.name for p in cfg.policies] + [ZERO_BUDGET]
    return StudySweep(cfg.name, study_base(cfg), [*_declarations(cfg), Levels("policy", tuple(names))],
                      design=DesignSpec("latin_hypercube", samples=cfg.worlds), replicates=cfg.replicates,
                      seed=cfg.seed, outputs=("summary",), description=cfg.title,
                      source=str(cfg.source) if cfg.source else None)


# ---------------------------------------------------------------------- the fluent object


class Decision:
    """A decision study for notebooks and the command line: read → run → analyse → report.

    Each analysis returns a DataFrame (cached): :meth:`outcomes`, :meth:`regret`,
    :meth:`robustness`, :meth:`discover`, :meth:`evppi`; :meth:`preferred` says in words which
    policy each criterion prefers; :meth:`report` writes everything to a folder.
    """

    headline = HEADLINE
    twin = ZERO_BUDGET

    def __init__(self, config: StudyConfig):
        self.config = config
        self.out: Path | None = None
        self.elapsed_seconds: float | None = None  # wall time of the last run() call
        self.ran: int | None = None  # runs done by the last run() call (0: all were already there)
        self._cache: dict[str, Any] = {}

    @classmethod
    def from_file(cls, path: str | Path | None = None, *, quick: bool = False, worlds: int | None = None,
                  replicates: int | None = None, allocator_worlds: int | None = None) -> Decision:
        """A study from its file (default ``scenarios/studies/decide.toml``), optionally resized."""
        cfg = read_study(path, quick=quick).resized(worlds, replicates, allocator_worlds)
        return cls(cfg)

    def __repr__(self) -> str:
        cfg, runs = self.config, self.config.n_runs
        region = cfg.region if isinstance(cfg.region, str) else "provinces " + ", ".join(cfg.region)
        width = max(len(c.path) for c in cfg.coefficients)
        lines = [
            f"Decision {cfg.name!r}{' (quick)' if cfg.quick else ''}: {cfg.worlds} worlds x "
            f"{len(cfg.rule_policies)} policies + zero-budget twin x {cfg.replicates} replicates "
            f"= {runs['rules']} runs; allocator on {cfg.n_allocator_worlds} worlds = {runs['allocator']} runs",
            f"  region {region}, {cfg.start_year}-{cfg.start_year + cfg.years - 1}, seed {cfg.seed}",
            "  worlds: independent uniform priors on",
            *(f"    {c.path:<{width}}  {c.low:,.6g} … {c.high:,.6g}" for c in cfg.coefficients),
            "  policies: " + ", ".join(f"{p.name} ({p.group})" for p in cfg.policies),
        ]
        if self.out is not None:
            lines.append(f"  results in {self.out}")
        return "\n".join(lines)

    # --- the design ---------------------------------------------------------------------

    def priors(self) -> pd.DataFrame:
        """The coefficients with their uniform priors (bands), the planner's value and why."""
        return pd.DataFrame([{"coefficient": c.path, "low": c.low, "high": c.high, "planner_value": c.nominal,
                              "unit": c.unit, "why": c.reason} for c in self.config.coefficients])

    def policies(self) -> pd.DataFrame:
        """The candidate policies, their settings and how many worlds each runs in."""
        cfg = self.config
        rows = [{"policy": p.name, "group": p.group, "title": p.title, "scenario": p.scenario,
                 "worlds": cfg.n_allocator_worlds if p.group == "allocator" else cfg.worlds,
                 "settings": ", ".join(f"{k}={v}" for k, v in p.overrides.items())} for p in cfg.policies]
        rows.append({"policy": ZERO_BUDGET, "group": "twin", "title": "No development budget (same world, same draws)",
                     "scenario": cfg.base.stem, "worlds": cfg.worlds, "settings": f"{BUDGET}=0"})
        return pd.DataFrame(rows)

    def worlds(self) -> pd.DataFrame:
        """The Latin hypercube: one row per world, one column per coefficient."""
        if "worlds" not in self._cache:
            self._cache["worlds"] = world_table(self.config)
        return self._cache["worlds"].copy()

    def design(self) -> pd.DataFrame:
        """Every (world, policy) point that will run (each with every replicate)."""
        return design_table(self.config, self.worlds())

    # --- running ------------------------------------------------------------------------

    def run(self, out: str | Path, workers: int = 2, scheduler: Any = None,
            progress: bool | None = None) -> Decision:
        """Run every (world, policy, replicate) not yet finished in `out`/runs; resumable."""
        out = Path(out)
        started = time.perf_counter()
        sweep = _study_sweep(self.config, self.design())
        _ignore_runs(out)
        results = sweep.run(out / "runs", workers=workers, scheduler=scheduler, model=MODEL, progress=progress,
                            restart_stale=True)
        self.elapsed_seconds = time.perf_counter() - started
        self.load(out)
        self.ran = results.ran
        return self

    def load(self, out: str | Path) -> Decision:
        """Read the runs already in `out` (a finished or partial study) for analysis."""
        from sim.experiments import load_results

        self.out = Path(out)
        results = load_results(self.out / "runs")
        self._cache = {k: v for k, v in self._cache.items() if k == "worlds"}
        self._cache["results"] = results
        return self

    def _results(self):
        if "results" not in self._cache:
            raise SimError("nothing run yet: call run(out) or load(out) first")
        return self._cache["results"]

    def _cached(self, key: str, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # --- analysis -----------------------------------------------------------------------

    @cached_property
    def _titles(self) -> dict[str, str]:
        return {p.name: p.title for p in self.config.policies}

    def replicate_values(self) -> pd.DataFrame:
        """Final-year outcomes of every finished run: world, policy, replicate, outcomes."""
        from sim.studies.decision_regret import final_year

        def make():
            res = self._results()
            return final_year(res.summary, res.runs)

        return self._cached("replicates", make).copy()

    def outcomes(self) -> pd.DataFrame:
        """Per world and policy: replicate means and standard errors of the outcomes, and the
        paired differences from the reference practice and from the zero-budget twin."""
        from sim.studies.decision_regret import outcome_table

        cfg = self.config
        return self._cached("outcomes", lambda: outcome_table(
            self.replicate_values(), OUTCOMES, reference=cfg.reference, twin=ZERO_BUDGET)).copy()

    def _candidates(self, allocator: bool) -> tuple[list[str], pd.DataFrame]:
        cfg = self.config
        values = self.replicate_values()
        if allocator:
            names = [p.name for p in cfg.policies]
            worlds = sorted(values.loc[values["policy"].isin([p.name for p in cfg.group("allocator")]), "world"].unique())
            values = values[values["world"].isin(worlds)]
        else:
            names = [p.name for p in cfg.rule_policies]
        return names, values

    def regret(self, allocator: bool = False) -> pd.DataFrame:
        """Each policy's regret in each world: its gap to that world's best on the headline
        (replicate means), also as a share of the best policy's gain over the zero-budget twin.

        `allocator`: the allocator's worlds with every policy (else every world, rules only).
        """
        from sim.studies.decision_regret import regret_table

        def make():
            names, values = self._candidates(allocator)
            return regret_table(values, names, HEADLINE, twin=ZERO_BUDGET, margin=self.config.margin)

        return self._cached(f"regret{allocator}", make).copy()

    def robustness(self) -> pd.DataFrame:
        """Per policy: maximum, 90th percentile and mean regret, the share of worlds where it is
        best or within the margin, and the upward bias of each from replicate noise."""
        from sim.studies.decision_regret import regret_bias, robustness_table

        def make():
            frames = []
            for allocator in (False, True):
                if allocator and not self.config.n_allocator_worlds:
                    continue
                names, values = self._candidates(allocator)
                if values.empty:
                    continue
                table = robustness_table(self.regret(allocator))
                bias = regret_bias(values, names, HEADLINE, twin=ZERO_BUDGET, margin=self.config.margin,
                                   draws=self.config.bootstrap, seed=self.config.seed)
                table = table.merge(bias, on="policy", how="left")
                table.insert(0, "comparison", "allocator worlds, every policy" if allocator else "every world, rules")
                frames.append(table)
            out = pd.concat(frames, ignore_index=True)
            out.insert(2, "title", out["policy"].map(self._titles))
            return out

        return self._cached("robustness", make).copy()

    def preferred(self) -> list[str]:
        """The preferred policy under each criterion, in words."""
        from sim.studies.decision_regret import preferred_in_words

        return preferred_in_words(self.robustness(), self._titles, self.config.margin)

    def zones_win(self) -> pd.DataFrame:
        """Per world: the best zone-funding policy's paired advantage over the reference and
        whether it exceeds the margin (the outcome scenario discovery explains)."""
        from sim.studies.decision_discovery import zones_win

        cfg = self.config

        def make():
            return zones_win(self.replicate_values(), [p.name for p in cfg.group("zones")],
                             [p.name for p in cfg.rule_policies], reference=cfg.reference,
                             twin=ZERO_BUDGET, margin=cfg.margin, metric=HEADLINE)

        return self._cached("zones_win", make).copy()

    def _x(self) -> pd.DataFrame:
        wins = self.zones_win()
        return wins[["world"]].merge(self.worlds(), on="world", how="left")[self.config.coefficient_paths]

    def discover(self) -> pd.DataFrame:
        """PRIM boxes on the coefficients where zones win: limits, coverage, density and how
        often a resampled PRIM restricts the same coefficient (one row per box and coefficient)."""
        from sim.studies.decision_discovery import prim_boxes

        cfg = self.config

        def make():
            wins = self.zones_win()
            return prim_boxes(self._x(), wins["zones_win"].to_numpy(bool), min_density=cfg.prim_min_density,
                              max_boxes=cfg.prim_boxes, resamples=max(20, cfg.bootstrap // 4), seed=cfg.seed,
                              bounds={c.path: (c.low, c.high) for c in cfg.coefficients})

        return self._cached("discover", make).copy()

    def evppi(self) -> pd.DataFrame:
        """The expected value of partial perfect information of each coefficient for the
        expected-value choice among the rule policies (person-years), with bootstrap intervals
        and its value when the coefficient's band is halved."""
        from sim.studies.decision_evppi import evppi_table

        cfg = self.config

        def make():
            outcomes = self.outcomes()
            means = outcomes.pivot(index="world", columns="policy", values=f"{HEADLINE}_mean")
            names = [p.name for p in cfg.rule_policies]
            means = means[names].dropna()
            x = self.worlds().set_index("world").loc[means.index, cfg.coefficient_paths]
            table = evppi_table(x, means, reference=cfg.reference, draws=cfg.bootstrap, seed=cfg.seed,
                                bounds={c.path: (c.low, c.high) for c in cfg.coefficients})
            gain = (outcomes[outcomes["policy"].isin(names)].groupby("world")[f"{HEADLINE}_gain"].max()).mean()
            table["share_of_gain"] = table["evppi"] / gain if gain > 0 else np.nan
            return table

        return self._cached("evppi", make).copy()

    def frontier(self) -> dict[str, Any]:
        """The map over the two coefficients with the highest EVPPI (ties broken by how strongly
        each goes with the zones' advantage): the worlds, whether zones win in each, and a
        smoothed advantage surface whose zero line is the frontier."""
        from sim.studies.decision_discovery import frontier_surface

        cfg = self.config

        def make():
            wins = self.zones_win()
            x = self._x()
            score = (wins["advantage"] - wins["threshold"]).to_numpy(float)
            # the two worth most to measure; ties (e.g. all zero when one policy always wins)
            # go to the coefficients most associated with the zones' advantage
            ranked = self.evppi()[["coefficient", "evppi"]].copy()
            ranked["association"] = [abs(float(pd.Series(score).corr(x[c].reset_index(drop=True), method="spearman")))
                                     if x[c].nunique() > 1 else 0.0 for c in ranked["coefficient"]]
            ranked["association"] = ranked["association"].fillna(0.0)
            ranked["evppi"] = ranked["evppi"].round(6)
            top = list(ranked.sort_values(["evppi", "association"], ascending=False)["coefficient"].head(2))
            bounds = {c.path: (c.low, c.high) for c in cfg.coefficients}
            return frontier_surface(x[top], score, wins["zones_win"].to_numpy(bool), bounds=bounds)

        return self._cached("frontier", make)

    # --- reporting ----------------------------------------------------------------------

    def report(self, out: str | Path | None = None, *, command: str | None = None,
               langs: Sequence[str] = ("en", "th")) -> dict[str, Path]:
        """Write tables (CSV), figures (PNG and SVG, English and Thai), decision.md and
        manifest.json to `out` (default: where it ran). Returns the files written."""
        from sim.studies.decision_report import write_report

        out = Path(out) if out is not None else self.out
        if out is None:
            raise SimError("no folder: give report(out)")
        return write_report(self, out, command=command, langs=langs)


def _ignore_runs(out: Path) -> None:
    """The raw runs stay out of git; the tables, figures and report beside them are committed."""
    out.mkdir(parents=True, exist_ok=True)
    ignore = out / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# raw runs (Parquet, one file per run): re-created by welfare-sim decide\nruns/\n")


def format_minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"
