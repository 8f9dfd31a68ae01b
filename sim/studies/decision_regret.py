"""Outcomes per world and policy, regret, robustness, and the bias regret carries from noise.

A policy's **regret** in a world is its gap to that world's best policy on the headline
(discounted person-years protected, replicate means on common random numbers). A robust
policy is one whose regret stays small in every world: the study reports each policy's
maximum, 90th percentile and mean regret (the least mean regret is the expected-value
choice), and the share of worlds where it is best or within a margin (2% by default) **of the
best policy's gain over the zero-budget twin** — the development budget's own effect in that
world, which is the natural yardstick for "close enough".

Regret from replicate means is **biased upward**: the best of several noisy means is, on
average, above the best of the true means, so a policy's gap to it is too. The bias is
estimated by a parametric bootstrap (:func:`regret_bias`): the replicate means are perturbed
with the noise the replicates show (the covariance across policies pooled over worlds —
common random numbers make policies' errors in a world move together), regret is recomputed,
and the average change is the estimated bias; subtracting it gives a corrected value. The
plug-in bootstrap understates the bias where policies are truly close (it takes the noisy
means, already spread apart, as the truth), so an upper bound is given too: the mean regret's
bias is at most E[max over policies of their noise], reached when all policies tie.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["final_year", "outcome_table", "preferred_in_words", "regret_bias", "regret_table",
           "robustness_table"]


def final_year(summary: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per finished run: world, policy, replicate and the final year's outcomes (the
    headline there is the whole horizon's)."""
    if summary.empty:
        return pd.DataFrame(columns=["world", "policy", "replicate"])
    last = summary[summary["year"] == summary["year"].max()]
    keys = runs[["run_id", "world", "policy"]]
    out = last.merge(keys, on="run_id", how="inner")
    columns = ["world", "policy", "replicate", *[c for c in last.columns
                                                 if c not in ("run_id", "point_id", "replicate", "year")]]
    out = out[columns].sort_values(["world", "policy", "replicate"], kind="stable").reset_index(drop=True)
    out["world"] = out["world"].astype(np.int64)
    return out


def _se(values: pd.Series) -> float:
    v = values.to_numpy(float)
    return float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")


def outcome_table(values: pd.DataFrame, metrics, *, reference: str, twin: str) -> pd.DataFrame:
    """Per world and policy: mean and standard error over replicates of each metric, and for
    the first (the headline) the paired difference from `reference` and from `twin` (the gain
    the development budget brings), each with its standard error."""
    metrics = [m for m in metrics if m in values.columns]
    grouped = values.groupby(["world", "policy"], sort=True)
    table = grouped.size().rename("replicates").reset_index()
    for m in metrics:
        stats = grouped[m].agg(["mean", _se]).rename(columns={"mean": f"{m}_mean", "_se": f"{m}_se"})
        table = table.merge(stats.reset_index(), on=["world", "policy"])
    head = metrics[0]
    wide = values.pivot_table(index=["world", "replicate"], columns="policy", values=head)
    for other, label in ((reference, "vs_reference"), (twin, "gain")):
        if other not in wide.columns:
            continue
        diff = wide.sub(wide[other], axis=0).stack().rename("d").reset_index()
        stats = diff.groupby(["world", "policy"])["d"].agg(["mean", _se])
        stats.columns = [f"{head}_{label}", f"{head}_{label}_se"]
        table = table.merge(stats.reset_index(), on=["world", "policy"], how="left")
    return table


def _means(values: pd.DataFrame, names: list[str], metric: str, twin: str) -> tuple[pd.DataFrame, pd.Series]:
    """Replicate means, worlds x candidate policies (worlds missing any dropped), and the twin's."""
    wide = values.groupby(["world", "policy"])[metric].mean().unstack("policy")
    keep = [n for n in names if n in wide.columns]
    wide = wide.dropna(subset=keep + ([twin] if twin in wide.columns else []))
    twin_means = wide[twin] if twin in wide.columns else pd.Series(np.nan, index=wide.index)
    return wide[keep], twin_means


def _regret_arrays(means: np.ndarray, twin: np.ndarray, margin: float) -> dict[str, np.ndarray]:
    best = means.max(axis=1)
    regret = best[:, None] - means
    gain = best - twin
    threshold = margin * np.abs(gain)
    return {"best": best, "regret": regret, "gain": gain,
            "within": regret <= threshold[:, None] + 1e-9, "is_best": regret <= 1e-9}


def regret_table(values: pd.DataFrame, names: list[str], metric: str, *, twin: str, margin: float) -> pd.DataFrame:
    """Long table: each world and candidate policy with its mean, the world's best policy and
    value, the best policy's gain over the twin, the regret (also as a share of that gain),
    and whether the policy is best or within `margin` of that gain."""
    wide, twin_means = _means(values, names, metric, twin)
    if wide.empty:
        return pd.DataFrame(columns=["world", "policy", "value", "regret"])
    arr = _regret_arrays(wide.to_numpy(float), twin_means.to_numpy(float), margin)
    cols = list(wide.columns)
    best_policy = np.asarray(cols)[wide.to_numpy(float).argmax(axis=1)]
    rows = []
    for i, world in enumerate(wide.index):
        for j, name in enumerate(cols):
            gain = arr["gain"][i]
            rows.append({"world": int(world), "policy": name, "value": float(wide.iat[i, j]),
                         "best_policy": best_policy[i], "best_value": float(arr["best"][i]),
                         "best_gain_over_twin": float(gain), "regret": float(arr["regret"][i, j]),
                         "regret_share_of_gain": float(arr["regret"][i, j] / gain) if gain > 0 else np.nan,
                         "is_best": bool(arr["is_best"][i, j]), "within_margin": bool(arr["within"][i, j])})
    return pd.DataFrame(rows)


def robustness_table(regret: pd.DataFrame) -> pd.DataFrame:
    """Per policy: worlds, maximum / 90th percentile / mean regret (person-years and as a share
    of the best policy's gain), shares of worlds where it is best or within the margin."""
    rows = []
    for name, part in regret.groupby("policy", sort=False):
        r = part["regret"].to_numpy(float)
        s = part["regret_share_of_gain"].to_numpy(float)
        rows.append({"policy": name, "worlds": int(len(part)), "mean_value": float(part["value"].mean()),
                     "max_regret": float(r.max()), "p90_regret": float(np.quantile(r, 0.9)),
                     "mean_regret": float(r.mean()),
                     "max_regret_share": float(np.nanmax(s)) if np.isfinite(s).any() else np.nan,
                     "share_best": float(part["is_best"].mean()), "share_within_margin": float(part["within_margin"].mean())})
    return pd.DataFrame(rows)


def _statistics(means: np.ndarray, twin: np.ndarray, margin: float) -> np.ndarray:
    """Per policy: max, 90th percentile, mean regret and share within margin (4 x P)."""
    arr = _regret_arrays(means, twin, margin)
    r = arr["regret"]
    return np.stack([r.max(axis=0), np.quantile(r, 0.9, axis=0), r.mean(axis=0), arr["within"].mean(axis=0)])


def regret_bias(values: pd.DataFrame, names: list[str], metric: str, *, twin: str, margin: float,
                draws: int = 200, seed: int = 0) -> pd.DataFrame:
    """Upward bias of each regret statistic from replicate noise, by a parametric bootstrap.

    The replicate means (worlds x candidates and the twin) are taken as the truth and perturbed
    `draws` times with normal noise whose covariance across policies is the replicates' own,
    pooled over worlds and divided by the number of replicates; the mean change of each
    statistic is its estimated bias (positive: the plain figure is too high). This plug-in
    estimate is low where policies truly tie; ``bias_mean_regret_bound`` is the most the mean
    regret can be biased (the expected largest noise among the policies). ``replicate_se`` is the
    standard error of a policy's mean in a world, ``difference_se`` (the median over pairs) that
    of a difference between two policies there, much smaller on common random numbers. Needs at
    least two replicates; otherwise the bias columns are missing values.
    """
    columns = ["policy", "bias_max_regret", "bias_p90_regret", "bias_mean_regret", "bias_share_within_margin",
               "max_regret_corrected", "p90_regret_corrected", "mean_regret_corrected", "bias_mean_regret_bound",
               "replicate_se", "difference_se"]
    cand = [n for n in names if n in set(values["policy"])]
    table = values[values["policy"].isin(cand + [twin])]
    counts = table.groupby(["world", "policy"]).size().unstack("policy")
    replicates = int(counts.min().min()) if not counts.empty else 0
    if replicates < 2 or twin not in counts.columns:
        return pd.DataFrame({"policy": cand, **{c: np.nan for c in columns[1:]}})
    order = cand + [twin]
    complete = counts[order].dropna()
    worlds = complete.index[(complete >= replicates).all(axis=1)]
    by_run = table.set_index(["world", "policy", "replicate"])[metric].unstack("replicate").iloc[:, :replicates]
    index = pd.MultiIndex.from_product([worlds, order], names=["world", "policy"])
    cube = by_run.reindex(index).to_numpy(float).reshape(len(worlds), len(order), replicates)  # W x P x R
    means = cube.mean(axis=2)
    resid = cube - means[:, :, None]
    pooled = np.einsum("wpr,wqr->pq", resid, resid) / (len(worlds) * (replicates - 1))
    cov = pooled / replicates
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    rng = np.random.default_rng(seed)
    plain = _statistics(means[:, :-1], means[:, -1], margin)
    total = np.zeros_like(plain)
    bound = 0.0
    for _ in range(draws):
        noise = rng.standard_normal(means.shape) @ root.T
        noisy = means + noise
        total += _statistics(noisy[:, :-1], noisy[:, -1], margin)
        bound += float(noise[:, :-1].max(axis=1).mean())
    bias = total / draws - plain
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))[:-1]
    k = len(cand)
    pairs = [cov[i, i] + cov[j, j] - 2 * cov[i, j] for i in range(k) for j in range(i + 1, k)]
    difference_se = float(np.sqrt(max(np.median(pairs), 0.0))) if pairs else np.nan
    return pd.DataFrame({
        "policy": cand, "bias_max_regret": bias[0], "bias_p90_regret": bias[1], "bias_mean_regret": bias[2],
        "bias_share_within_margin": bias[3], "max_regret_corrected": plain[0] - bias[0],
        "p90_regret_corrected": plain[1] - bias[1], "mean_regret_corrected": plain[2] - bias[2],
        "bias_mean_regret_bound": bound / draws, "replicate_se": se, "difference_se": difference_se,
    })


def _name(policy: str, titles: dict[str, str]) -> str:
    title = titles.get(policy)
    return f"{title} (`{policy}`)" if title else f"`{policy}`"


def preferred_in_words(robustness: pd.DataFrame, titles: dict[str, str], margin: float) -> list[str]:
    """One sentence per criterion and comparison: which policy it prefers, and by what figure."""
    lines: list[str] = []
    for comparison, part in robustness.groupby("comparison", sort=False):
        part = part.reset_index(drop=True)
        n = int(part["worlds"].max())
        where = f"Across {n} worlds ({comparison})"
        best = part.loc[part["max_regret"].idxmin()]
        share = best["max_regret_share"]
        share_text = f", {share:.1%} of that world's best gain over no budget" if np.isfinite(share) else ""
        lines.append(f"{where}, the **least maximum regret** is {_name(best['policy'], titles)}: in no world does "
                     f"it fall more than {best['max_regret']:,.0f} person-years behind the best policy{share_text}.")
        p90 = part.loc[part["p90_regret"].idxmin()]
        lines.append(f"{where}, the **least 90th-percentile regret** is {_name(p90['policy'], titles)}: in nine "
                     f"worlds out of ten it is within {p90['p90_regret']:,.0f} person-years of the best.")
        mean = part.loc[part["mean_regret"].idxmin()]
        lines.append(f"{where}, the **expected-value choice** (least mean regret, highest mean headline) is "
                     f"{_name(mean['policy'], titles)}: {mean['mean_regret']:,.0f} person-years behind the "
                     f"best on average.")
        often = part.loc[part["share_within_margin"].idxmax()]
        lines.append(f"{where}, the policy **most often best or within {margin:.0%}** of the best policy's gain "
                     f"over no budget is {_name(often['policy'], titles)}: in {often['share_within_margin']:.0%} of "
                     f"worlds (best in {often['share_best']:.0%}).")
        if "max_regret_corrected" in part and part["max_regret_corrected"].notna().all():
            corrected = part.loc[part["max_regret_corrected"].idxmin()]
            if corrected["policy"] != best["policy"]:
                lines.append(f"{where}, after removing the estimated noise bias the least maximum regret "
                             f"would be {_name(corrected['policy'], titles)} instead: the two are within noise.")
    return lines
