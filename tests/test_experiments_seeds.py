"""Seeds: common random numbers across points, replicates independent of their company."""

from __future__ import annotations

import numpy as np
import pandas as pd
import toy_model

from sim.experiments import Levels, RunSpec, Sweep, make_run_id, replicate_seed


def sweep(replicates: int) -> Sweep:
    return Sweep("crn", {"seed": 2023}, [Levels("toy.a", (0.0, 0.5, 1.0))], replicates=replicates)


def test_run_ids_are_deterministic_and_sortable():
    assert make_run_id(12, 3) == "p00012-r003"
    ids = sweep(3).runs()["run_id"].tolist()
    assert ids == sorted(ids) and ids[:4] == [
        "p00000-r000",
        "p00000-r001",
        "p00000-r002",
        "p00001-r000",
    ]


def test_replicate_seed_is_a_function_of_base_seed_and_k_only():
    seeds = [replicate_seed(2023, k) for k in range(100)]
    assert len(set(seeds)) == 100 and all(0 <= s < 2**63 for s in seeds)
    assert replicate_seed(2023, 7) == seeds[7]
    assert replicate_seed(2024, 7) != seeds[7]
    spawned = np.random.SeedSequence(2023).spawn(8)[7]
    assert seeds[7] == int(spawned.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def test_same_seed_for_replicate_k_at_every_point():
    runs = sweep(4).runs()
    assert (runs.groupby("replicate")["seed"].nunique() == 1).all()
    assert runs.groupby("point_id")["seed"].nunique().eq(4).all()
    assert runs.loc[runs["replicate"] == 2, "seed"].iloc[0] == replicate_seed(2023, 2)


def test_common_random_numbers_reach_the_model(tmp_path):
    results = sweep(3).run(tmp_path / "out", workers=1, model=toy_model.run)
    draws = results.summary.pivot_table(
        index=["replicate", "year"], columns="point_id", values="draw"
    )
    assert (draws.nunique(axis=1) == 1).all()  # identical noise at every point
    assert draws.loc[0].iloc[:, 0].tolist() != draws.loc[1].iloc[:, 0].tolist()


def test_replicate_k_is_identical_alone_or_among_n(tmp_path):
    one = sweep(1).run(tmp_path / "one", workers=1, model=toy_model.run).summary
    many = sweep(5).run(tmp_path / "many", workers=2, model="toy_model:run").summary
    pd.testing.assert_frame_equal(one, many[many["replicate"] == 0].reset_index(drop=True))
    # replicate 3 on its own: the same tables as inside the sweep of 5
    alone = toy_model.run(
        RunSpec("p00001-r003", 1, 3, replicate_seed(2023, 3), {"toy.a": 0.5}, {"seed": 2023})
    )["summary"]
    inside = many[(many["point_id"] == 1) & (many["replicate"] == 3)]
    pd.testing.assert_frame_equal(
        alone, inside.drop(columns=["run_id", "point_id", "replicate"]).reset_index(drop=True)
    )
