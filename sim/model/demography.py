"""A living population: each place's residents by age band age, die and are born into.

Once a year, after the year's twelve months, every sub-district's population moves by its
expected flows (no random draws, so it costs little and adds no noise):

1. deaths by age band at the members' mortality (``demography.death_rate_per_1000`` x
   ``demography.death_rate_multiplier``);
2. ageing: a share 1 - exp(-1 / band width) of each band moves up a band, the yearly
   equivalent of the monthly step's ageing of members;
3. births (``demography.birth_rate_per_1000`` per person of each band) into 0-14;
4. net migration: the gap between the province's registry trend and births minus deaths,
   spread over the age bands in proportion to population x ``population.migration_age_weight``
   (mostly young adults), so each place's total follows its province's sourced trend:
   ``sim/data/population_trends.csv`` where a province has its own ([S46]), else
   ``population.growth_per_year`` in Isan and ``population.growth_per_year_outside_isan``
   elsewhere.

The population is not a stock the fund conserves, but it never holds fewer people than the
fund has members in a band: where members outlive the expected flows, the band is raised to
them. The exact (fractional) population is carried from year to year; the integer one the
monthly step uses is its rounding.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

import numpy as np

from sim.inputs.parameters import ParameterSet
from sim.model.benefits import AGE_WIDTH_YEARS

ISAN = {str(code) for code in range(30, 50)}


@cache
def province_trends() -> dict[str, float]:
    """Province code -> sourced yearly growth of the registered population (population_trends.csv)."""
    path = files("sim") / "data" / "population_trends.csv"
    with path.open(encoding="utf-8") as handle:
        return {row["province_code"].strip(): float(row["growth_per_year"]) for row in csv.DictReader(handle)}


def growth_by_subdistrict(province_codes, params: ParameterSet) -> np.ndarray:
    """Each sub-district's yearly population trend: its province's own where sourced, else the
    parameter for Isan or for the rest of the country."""
    trends = province_trends()
    codes = [str(c) for c in np.asarray(province_codes, dtype=object)]
    default_isan = float(params["population.growth_per_year"])
    default_rest = float(params["population.growth_per_year_outside_isan"])
    return np.array([trends.get(c, default_isan if c in ISAN else default_rest) for c in codes], float)


def yearly_flows(params: ParameterSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(death probability, share ageing up, births per person) per age band for one year."""
    death = np.asarray(params["demography.death_rate_per_1000"], float) * params["demography.death_rate_multiplier"] / 1000
    up = np.where(np.isfinite(AGE_WIDTH_YEARS), 1.0 - np.exp(-1.0 / AGE_WIDTH_YEARS), 0.0)
    births = np.asarray(params["demography.birth_rate_per_1000"], float) / 1000
    return 1.0 - np.exp(-death), up, births


def advance(exact: np.ndarray, growth: np.ndarray, members_by_age: np.ndarray, params: ParameterSet
            ) -> tuple[np.ndarray, np.ndarray]:
    """One year of expected flows: returns (exact population, integer population), both at
    least the members of each band."""
    died, up, births = yearly_flows(params)
    pop = np.asarray(exact, float)
    target = pop.sum(axis=1) * (1.0 + np.asarray(growth, float))
    alive = pop * (1.0 - died)[None, :]
    moving = alive * up[None, :]
    nxt = alive - moving
    nxt[:, 1:] += moving[:, :-1]
    nxt[:, 0] += pop @ births
    # net migration onto the province trend, mostly young adults
    gap = target - nxt.sum(axis=1)
    weight = nxt * np.asarray(params["population.migration_age_weight"], float)[None, :]
    total = weight.sum(axis=1, keepdims=True)
    share = np.where(total > 0, weight / np.where(total > 0, total, 1.0), 1.0 / nxt.shape[1])
    nxt = np.maximum(nxt + gap[:, None] * share, 0.0)
    nxt = np.maximum(nxt, members_by_age)
    whole = np.maximum(np.floor(nxt + 0.5).astype(np.int64), members_by_age.astype(np.int64))
    return nxt, whole


def advance_population(state, params: ParameterSet) -> None:
    """Move `state.population` (and its exact twin) on by one year."""
    state.population_exact, state.population = advance(state.population_exact, state.population_growth,
                                                       state.members_by_age(), params)
