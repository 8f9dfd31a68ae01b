"""The decision study: its file, design, analyses with known answers, laws on a small region,
and the same tables from the same seed (issue 16).

Analyses are tested on constructed data whose answer is known (regret, bias, EVPPI against a
closed form, PRIM on a known box); the simulation laws and the reproducibility test run one
small province for one to three years, on common random numbers.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import SimError
from sim.experiments.runs import RunSpec, replicate_seed
from sim.studies.decision import (
    HEADLINE,
    STUDY_FILE,
    ZERO_BUDGET,
    Decision,
    design_table,
    read_study,
    run_world_policy,
    study_base,
    world_table,
)
from sim.studies.decision_discovery import frontier_surface, prim_boxes, zones_win
from sim.studies.decision_evppi import evppi_table, evppi_two_options_closed_form
from sim.studies.decision_regret import regret_bias, regret_table, robustness_table

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------ the file


def test_the_shipped_study_file_reads_and_states_its_priors():
    cfg = read_study()
    assert cfg.source == STUDY_FILE.resolve()
    paths = cfg.coefficient_paths
    for needed in ("units.overhead_thb.zone", "units.overhead_thb.province", "targeting.noise.zone",
                   "targeting.noise.province", "units.efficiency.zone", "units.efficiency.province",
                   "units.zone_capacity.start", "units.zone_capacity.growth", "units.zone_capacity.decay",
                   "units.absorptive_thb_per_subdistrict", "effects.scale_thb", "budget.development_thb_per_year"):
        assert needed in paths
    for c in cfg.coefficients:
        assert c.low <= c.nominal <= c.high and c.reason
    names = [p.name for p in cfg.policies]
    assert {"province_2021", "zone_pilot_2022", "lp_optimal", "fewer_zones"} <= set(names)
    assert {p.overrides["policy.zone_share"] for p in cfg.policies if p.name.startswith("zones_s")} == {
        0.25, 0.5, 0.75, 1.0}
    assert cfg.group("allocator") and cfg.n_allocator_worlds < cfg.worlds
    # the planner believes the nominal values of every coefficient but the budget it is given
    assert set(cfg.beliefs) == set(paths) - {"budget.development_thb_per_year"}
    quick = read_study(quick=True)
    assert quick.quick and quick.years == 2 and len(quick.region) == 1 and quick.worlds <= 10
    assert "quick" not in repr(Decision(cfg)).split("\n")[0] and "(quick)" in repr(Decision(quick))


def _study_file(tmp_path: Path, body: str, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


TINY = f"""
name = "tiny"
base = "{(ROOT / 'scenarios' / 'baseline.toml').as_posix()}"
[run]
region = ["49"]
years = 1
seed = 11
[size]
worlds = 10
replicates = 2
allocator_worlds = 0
[analysis]
bootstrap = 20
[[coefficients]]
path = "units.overhead_thb.zone"
[[coefficients]]
path = "targeting.noise.zone"
[[coefficients]]
path = "units.efficiency.zone"
[[policies]]
name = "province_2021"
scenario = "province_2021"
group = "province"
[[policies]]
name = "zones_s050"
scenario = "zone_all_2023"
set = {{ "policy.zone_share" = 0.5 }}
group = "zones"
[[policies]]
name = "zones_s100"
scenario = "zone_all_2023"
set = {{ "policy.zone_share" = 1.0 }}
group = "zones"
"""


@pytest.mark.parametrize(("change", "fragment"), [
    (("[size]", "[size]\nwrlds = 3"), "unknown key 'wrlds'; did you mean worlds?"),
    (('path = "targeting.noise.zone"', 'path = "targeting.noise.zon"'), "did you mean targeting.noise.zone"),
    (('path = "targeting.noise.zone"', 'path = "policy.kind"'), "not a single number"),
    (('path = "targeting.noise.zone"', 'path = "membership.join_rate"'), "no band"),
    (('path = "targeting.noise.zone"', 'path = "targeting.noise.zone"\nlow = 0.5\nhigh = 0.2'), "must be below"),
    (('"policy.zone_share" = 0.5', '"units.overhead_thb.zone" = 1.0'), "a coefficient the worlds draw"),
    (('group = "zones"', 'group = "zone"'), "group must be one of"),
    (("[analysis]", '[analysis]\nreference = "nobody"'), "is not one of the policies"),
    (('scenario = "province_2021"', 'scenario = "province_2020"'), "province_2020"),
])
def test_a_wrong_study_file_fails_naming_the_key(tmp_path, change, fragment):
    old, new = change
    assert old in TINY
    with pytest.raises(SimError) as err:
        read_study(_study_file(tmp_path, TINY.replace(old, new, 1)))
    assert fragment in str(err.value) and "study.toml" in str(err.value)


# ---------------------------------------------------------------------------- the design


def test_worlds_are_a_latin_hypercube_inside_the_bands():
    cfg = read_study().resized(worlds=40)
    worlds = world_table(cfg)
    assert len(worlds) == 40 and list(worlds["world"]) == list(range(40))
    for c in cfg.coefficients:
        v = worlds[c.path].to_numpy(float)
        assert (v >= c.low).all() and (v <= c.high).all()
        strata = np.floor((v - c.low) / (c.high - c.low) * 40).astype(int)
        assert sorted(strata) == list(range(40)), f"{c.path}: one world per fortieth of the band"
    pd.testing.assert_frame_equal(worlds, world_table(cfg))  # the seed fixes it


def test_every_policy_in_every_world_and_the_allocator_in_the_first_few():
    cfg = read_study().resized(worlds=12, allocator_worlds=3)
    points = design_table(cfg)
    rules = [p.name for p in cfg.rule_policies] + [ZERO_BUDGET]
    for name in rules:
        assert sorted(points.loc[points["policy"] == name, "world"]) == list(range(12))
    for p in cfg.group("allocator"):
        assert sorted(points.loc[points["policy"] == p.name, "world"]) == [0, 1, 2]
    same_world = points.groupby("world")[cfg.coefficient_paths].nunique()
    assert (same_world == 1).all().all(), "every policy sees the same world"
    assert cfg.n_runs["total"] == len(points) * cfg.replicates
    assert study_base(cfg)["policies"][ZERO_BUDGET] == {"budget.development_thb_per_year": 0.0}


# -------------------------------------------------------------- analyses with known answers


def _values(means: dict[str, list[float]], replicates: int = 2, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for policy, per_world in means.items():
        for w, m in enumerate(per_world):
            for r in range(replicates):
                rows.append({"world": w, "policy": policy, "replicate": r,
                             HEADLINE: m + noise * rng.standard_normal()})
    return pd.DataFrame(rows)


def test_regret_is_the_gap_to_each_worlds_best_and_the_margin_is_on_the_gain():
    values = _values({"a": [100, 50, 80], "b": [90, 60, 79.5], ZERO_BUDGET: [0, 0, 30]})
    table = regret_table(values, ["a", "b"], HEADLINE, twin=ZERO_BUDGET, margin=0.02)
    r = table.set_index(["world", "policy"])
    assert r.loc[(0, "b"), "regret"] == 10 and r.loc[(1, "a"), "regret"] == 10 and r.loc[(0, "a"), "regret"] == 0
    assert r.loc[(2, "b"), "best_gain_over_twin"] == 50 and r.loc[(2, "b"), "within_margin"]  # 0.5 <= 2% of 50
    assert not r.loc[(0, "b"), "within_margin"] and r.loc[(0, "b"), "regret_share_of_gain"] == pytest.approx(0.1)
    robust = robustness_table(table).set_index("policy")
    assert robust.loc["a", "max_regret"] == 10 and robust.loc["b", "max_regret"] == 10
    assert robust.loc["a", "mean_regret"] == pytest.approx(10 / 3) and robust.loc["b", "mean_regret"] == pytest.approx(3.5)
    assert robust.loc["a", "share_best"] == pytest.approx(2 / 3)


def test_regret_from_noisy_means_is_biased_upward_and_the_estimates_bracket_it():
    """Two identical policies: true regret 0 everywhere, but the best of two noisy means is
    above either, so the plain mean regret is positive. The plug-in bootstrap sees part of
    that bias (it takes the spread-apart noisy means as the truth); the bound sees all of it."""
    worlds = 300
    values = _values({"a": [100.0] * worlds, "b": [100.0] * worlds, ZERO_BUDGET: [0.0] * worlds},
                     replicates=4, noise=4.0, seed=1)
    table = robustness_table(regret_table(values, ["a", "b"], HEADLINE, twin=ZERO_BUDGET, margin=0.02))
    bias = regret_bias(values, ["a", "b"], HEADLINE, twin=ZERO_BUDGET, margin=0.02, draws=100, seed=2)
    plain = table.set_index("policy")["mean_regret"]
    est = bias.set_index("policy")["bias_mean_regret"]
    # E[max(X, Y)] - E[X] with X, Y ~ N(0, 2^2) independent: 2 / sqrt(pi) ~ 1.13 per policy on average
    expected = 2.0 / np.sqrt(np.pi)
    assert plain.mean() == pytest.approx(expected, rel=0.25)
    assert 0 < est.mean() < plain.mean()  # the plug-in estimate: part of the bias
    assert bias["bias_mean_regret_bound"].iloc[0] == pytest.approx(expected, rel=0.15)  # all of it, here
    assert (bias["bias_mean_regret_bound"].to_numpy() >= est.to_numpy()).all()


def test_the_bias_estimate_is_small_when_policies_are_far_apart():
    worlds = 200
    values = _values({"a": [100.0] * worlds, "b": [60.0] * worlds, ZERO_BUDGET: [0.0] * worlds},
                     replicates=4, noise=4.0, seed=1)
    bias = regret_bias(values, ["a", "b"], HEADLINE, twin=ZERO_BUDGET, margin=0.02, draws=100, seed=2)
    assert bias["bias_mean_regret"].abs().max() < 0.05


def test_regret_bias_needs_two_replicates():
    values = _values({"a": [1, 2], "b": [2, 1], ZERO_BUDGET: [0, 0]}, replicates=1)
    assert regret_bias(values, ["a", "b"], HEADLINE, twin=ZERO_BUDGET, margin=0.02)["bias_max_regret"].isna().all()


@pytest.mark.parametrize(("a", "b", "c"), [(0.3, 1.0, 0.7), (-0.5, 2.0, 1.0)])
def test_evppi_matches_the_closed_form_of_a_two_option_linear_gaussian_problem(a, b, c):
    """Option B's gain over A is a + b t1 + c t2 + noise, t ~ N(0, 1): EVPPI(t1) is
    E[max(0, a + b t1)] - max(0, a), and an irrelevant input is worth nothing."""
    rng = np.random.default_rng(5)
    n = 3000
    t1, t2 = rng.standard_normal(n), rng.standard_normal(n)
    means = pd.DataFrame({"A": np.full(n, 10.0), "B": 10.0 + a + b * t1 + c * t2 + 0.5 * rng.standard_normal(n)})
    x = pd.DataFrame({"t1": t1, "t2": t2, "irrelevant": rng.uniform(size=n)})
    table = evppi_table(x, means, reference="A", draws=60, seed=0).set_index("coefficient")
    for name, slope in (("t1", b), ("t2", c)):
        exact = evppi_two_options_closed_form(a, slope)
        assert table.loc[name, "evppi"] == pytest.approx(exact, rel=0.15)  # n = 3000: about 5% sampling error
        assert table.loc[name, "ci_low"] <= exact * 1.05 and table.loc[name, "ci_high"] >= exact * 0.95
    assert table.loc["irrelevant", "evppi"] < 0.01
    assert table.loc["t1", "rank"] < table.loc["irrelevant", "rank"]
    # a band half as wide is worth less to know
    assert table.loc["t1", "evppi_half_band"] < table.loc["t1", "evppi"]
    assert evppi_two_options_closed_form(1.0, 0.0) == 0.0


def test_zones_win_is_the_best_zone_policy_beating_the_reference_by_the_margin():
    values = _values({"prov": [100, 100, 100], "z1": [101, 104, 90], "z2": [99, 103, 95],
                      ZERO_BUDGET: [0, 0, 0]})
    wins = zones_win(values, ["z1", "z2"], ["prov", "z1", "z2"], reference="prov", twin=ZERO_BUDGET,
                     margin=0.02, metric=HEADLINE).set_index("world")
    assert list(wins["best_zone_policy"]) == ["z1", "z1", "z2"]
    assert list(wins["advantage"]) == [1, 4, -5]
    # margin: 2% of the best gain (101, 104, 100) over the twin
    assert list(wins["zones_win"]) == [False, True, False]


def test_prim_finds_a_known_box_and_says_how_stable_it_is():
    pytest.importorskip("ema_workbench")
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(size=(400, 4)), columns=["overhead", "noise", "growth", "budget"])
    y = ((x["overhead"] < 0.4) & (x["noise"] < 0.5)).to_numpy()
    boxes = prim_boxes(x, y, min_density=0.9, max_boxes=1, resamples=20, seed=4,
                       bounds={c: (0.0, 1.0) for c in x.columns})
    box = boxes[boxes["box"] == 1].set_index("coefficient")
    assert set(box.index[box["restricted"]]) == {"overhead", "noise"}
    assert box.loc["overhead", "high"] == pytest.approx(0.4, abs=0.05)
    assert box.loc["noise", "high"] == pytest.approx(0.5, abs=0.05)
    assert box["density"].iloc[0] >= 0.9 and box["coverage"].iloc[0] >= 0.8
    assert box.loc["overhead", "restricted_share"] >= 0.9 and box["stability"].iloc[0] >= 0.8
    again = prim_boxes(x, y, min_density=0.9, max_boxes=1, resamples=20, seed=4,
                       bounds={c: (0.0, 1.0) for c in x.columns})
    pd.testing.assert_frame_equal(boxes, again)  # seeded: the same tables
    none = prim_boxes(x, np.ones(len(x), bool))
    assert none.empty and "every world" in none.attrs["note"]


def test_the_frontier_separates_the_worlds_where_zones_win():
    rng = np.random.default_rng(6)
    x = pd.DataFrame(rng.uniform(size=(300, 2)), columns=["overhead", "noise"])
    score = 1.0 - x["overhead"] - x["noise"] + 0.05 * rng.standard_normal(300)
    surface = frontier_surface(x, score.to_numpy(), (score > 0).to_numpy(), bounds={"overhead": (0, 1), "noise": (0, 1)})
    grid = surface["surface"]
    assert grid[5, 5] > 0 > grid[-5, -5]  # rows: noise; columns: overhead
    assert surface["x"] == "overhead" and surface["points"]["zones_win"].sum() == (score > 0).sum()


# ------------------------------------------------------------------ laws on a small region

LAW_YEARS = 3
LAW_REPLICATES = 4
FIXED_SHARES = ("zones_s025", "zones_s050", "zones_s075", "zones_s100")


def _advantage(world: dict[str, float]) -> np.ndarray:
    """Per replicate: the fixed-share zone policies' mean advantage over province_2021."""
    cfg = read_study(quick=True)
    base = study_base(cfg)
    base["run"] = {**base["run"], "years": LAW_YEARS}
    out = {}
    for policy in ("province_2021", *FIXED_SHARES):
        for k in range(LAW_REPLICATES):
            spec = RunSpec("law", 0, k, replicate_seed(cfg.seed, k), {"world": 0, "policy": policy, **world},
                           base, ("summary",), cfg.seed)
            out[(policy, k)] = float(run_world_policy(spec)["summary"][HEADLINE].iloc[-1])
    return np.array([np.mean([out[(p, k)] for p in FIXED_SHARES]) - out[("province_2021", k)]
                     for k in range(LAW_REPLICATES)])


def _nominal(**changes: float) -> dict[str, float]:
    cfg = read_study(quick=True)
    world = {c.path: c.nominal for c in cfg.coefficients}
    world.update({k.replace("__", "."): v for k, v in changes.items()})
    return world


def _two_se(d: np.ndarray) -> float:
    return 2.0 * float(d.std(ddof=1) / np.sqrt(d.size))


@pytest.mark.slow
def test_raising_zone_overhead_does_not_raise_the_zones_advantage():
    low = _advantage(_nominal(units__overhead_thb__zone=60_000.0))
    high = _advantage(_nominal(units__overhead_thb__zone=280_000.0))
    d = high - low  # paired by replicate: common random numbers
    assert d.mean() <= _two_se(d) + 1e-9, f"advantage rose by {d.mean():,.0f} (2 s.e. {_two_se(d):,.0f})"


@pytest.mark.slow
def test_lowering_zone_noise_does_not_lower_the_zones_advantage():
    noisy = _advantage(_nominal(targeting__noise__zone=0.85))
    sharp = _advantage(_nominal(targeting__noise__zone=0.15))
    d = sharp - noisy
    assert d.mean() >= -_two_se(d) - 1e-9, f"advantage fell by {-d.mean():,.0f} (2 s.e. {_two_se(d):,.0f})"


# ------------------------------------------------------------------- the same seed, the same tables


@pytest.mark.slow
def test_the_whole_study_with_the_same_seed_gives_identical_tables(tmp_path, capsys):
    """Once from the command line (2 workers), once from Python (in-process): same tables;
    the folder resumes without re-running; a quick run does not write into results/."""
    from sim.cli import main
    from sim.cli.decide import quick_out

    study = _study_file(tmp_path, TINY)
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["decide", "--file", str(study), "--out", str(first), "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "zones win in" in printed and "measure first" in printed
    for name in ("decision.md", "manifest.json", "robustness.csv", "evppi.csv", "outcomes.csv",
                 "regret.png", "regret_th.png", "evppi.png", "evppi_th.svg", "frontier.png", "priors.csv"):
        assert (first / name).exists(), name
    import json

    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["command"].startswith("welfare-sim decide --file") and manifest["defaults_sha256"]
    assert manifest["runs"] == read_study(study).n_runs["total"]
    report = (first / "decision.md").read_text()
    assert "uniformly" in report and "biased upward" in report and "EVPPI" in report

    decision = Decision.from_file(study)
    decision.run(second, workers=1, progress=False)
    decision.report(second)
    for name in ("outcomes", "regret", "robustness", "zones_win", "evppi", "prim_boxes", "worlds"):
        a, b = pd.read_csv(first / f"{name}.csv"), pd.read_csv(second / f"{name}.csv")
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)

    again = Decision.from_file(study).run(first, workers=1, progress=False)
    assert again.ran == 0  # resumed: nothing left to run
    folder = quick_out()
    assert not folder.resolve().is_relative_to((ROOT / "results").resolve()) and not any(folder.iterdir())
    folder.rmdir()
