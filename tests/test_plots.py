"""Figures: every plot function writes a non-blank image, Thai text uses the Thai font.

Small synthetic tables exercise the layout code; a few tiny real runs (one province, two
years) check that the functions read what the engine, the comparison, the allocator and the
sweep machinery actually write.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from matplotlib.image import imread
from matplotlib.text import Text

import sim.report.fonts as fonts
from sim.errors import SimError
from sim.report import labels
from sim.report.plots import (
    ISAN_TILES,
    by_province,
    plot_allocation,
    plot_comparison,
    plot_differences,
    plot_fan,
    plot_heatmap,
    plot_sobol,
    plot_tile_map,
    plot_zone_share_curve,
    save_figure,
)
from sim.studies.figures import plot_results_dir

QUICK_REGION = ["49"]


def assert_not_blank(path: Path, min_bytes: int = 8_000) -> None:
    """A real figure: a PNG of some size whose pixels are not all one colour."""
    assert path.exists(), path
    assert path.stat().st_size > min_bytes, f"{path} is only {path.stat().st_size} bytes"
    image = imread(path)[..., :3]
    assert image.std() > 0.01, f"{path} is a single colour"
    ink = (image < 0.9).any(axis=-1).mean()
    assert ink > 0.01, f"{path} is almost empty ({ink:.1%} of pixels drawn)"


def write_png(fig, tmp_path: Path, name: str) -> Path:
    paths = save_figure(fig, tmp_path / name)
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert paths[1].stat().st_size > 1_000
    return paths[0]


# --- synthetic data --------------------------------------------------------------------------


def synthetic_summary(scenarios=("province_2021", "zone_all_2023"), replicates=4, years=4) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for k, name in enumerate(scenarios):
        for r in range(replicates):
            for t in range(years):
                founded = 2000 + 20 * t
                strong = 400 + (30 + 10 * k) * t + rng.integers(0, 20)
                weak = 300 - 10 * t + rng.integers(0, 20)
                dormant = 80 - 5 * t + rng.integers(0, 5)
                rows.append({
                    "scenario": name, "replicate": r, "year": 2023 + t,
                    "people_protected": 1_500_000 + (60_000 + 10_000 * k) * t + rng.normal(0, 20_000),
                    "members": 2_000_000 + 50_000 * t + rng.normal(0, 20_000),
                    "coverage": 0.10 + 0.01 * t + 0.002 * k + rng.normal(0, 0.002),
                    "funds_active": founded - dormant,
                    "funds_strong": strong, "funds_weak": weak, "funds_dormant": dormant,
                    "funds_normal": founded - strong - weak - dormant,
                    "median_reserve_ratio": 3 + 0.1 * t + rng.normal(0, 0.1),
                })
    return pd.DataFrame(rows)


def synthetic_differences(summary: pd.DataFrame) -> pd.DataFrame:
    from sim.experiments.compare import paired_differences

    return paired_differences(summary, "province_2021",
                              metrics=("people_protected", "coverage", "funds_weak", "median_reserve_ratio"))


def synthetic_sweep(replicates: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = []
    for s in (0.0, 0.25, 0.5, 0.75, 1.0):
        for noise in (0.1, 0.5, 0.9):
            for r in range(replicates):
                for year in (2023, 2024):
                    value = 1e6 + 2e5 * s * (1.2 - s) * (1 - noise) + 1e4 * (year - 2023) + rng.normal(0, 5e3)
                    rows.append({"run_id": f"x{r}", "replicate": r, "year": year, "policy.zone_share": s,
                                 "targeting.noise.zone": noise, "people_protected": value,
                                 "coverage": value / 1e7})
    return pd.DataFrame(rows)


# --- plots on synthetic data -----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "th"])
@pytest.mark.parametrize("metric", ["people_protected", "coverage", "funds_by_status"])
def test_fan_chart_is_drawn(tmp_path, metric, lang):
    fig = plot_fan(synthetic_summary(), metric, lang=lang)
    assert_not_blank(write_png(fig, tmp_path, f"fan_{metric}_{lang}"))
    texts = " ".join(t.get_text() for t in fig.findobj(Text))
    assert "parameters.toml" in texts  # the data-source caption
    if lang == "th":
        assert "2566" in texts and "2023" not in texts.replace("province_2021", "").replace("zone_all_2023", "")


def test_fan_without_scenario_column_is_one_fan(tmp_path):
    summary = synthetic_summary(scenarios=("x",)).drop(columns="scenario")
    fig = plot_fan(summary, "people_protected", by=None, name="zone_all_2023")
    assert_not_blank(write_png(fig, tmp_path, "fan_single"))


def test_fan_of_unknown_metric_is_a_user_error():
    with pytest.raises(SimError, match="no column 'nope'"):
        plot_fan(synthetic_summary(), "nope")


@pytest.mark.parametrize("lang", ["en", "th"])
def test_paired_differences_dot_and_whisker(tmp_path, lang):
    fig = plot_differences(synthetic_differences(synthetic_summary()), lang)
    assert_not_blank(write_png(fig, tmp_path, f"diff_{lang}"))


@pytest.mark.parametrize("lang", ["en", "th"])
def test_tile_map_of_all_provinces(tmp_path, lang):
    values = {f"TH-{code}": 0.1 + 0.01 * i for i, code in enumerate(ISAN_TILES)}
    fig = plot_tile_map(values, "Coverage", metric="coverage", lang=lang)
    assert_not_blank(write_png(fig, tmp_path, f"tiles_{lang}"))
    shown = {t.get_text().replace("\n", " ") for t in fig.findobj(Text)}
    assert labels.province_name("34", lang) in shown  # Ubon Ratchathani
    assert labels.province_name("42", lang) in shown  # Loei


def test_tile_map_places_provinces_roughly_right():
    col, row = {c: ISAN_TILES[c][0] for c in ISAN_TILES}, {c: ISAN_TILES[c][1] for c in ISAN_TILES}
    assert len(ISAN_TILES) == 20 and len(set(ISAN_TILES.values())) == 20
    assert col["42"] == min(col.values())  # Loei in the west
    assert row["43"] == row["38"] == min(row.values())  # Nong Khai, Bueng Kan on the Mekong
    assert col["34"] == max(col.values()) and row["34"] == max(row.values())  # Ubon south-east
    assert col["30"] < col["34"] and row["30"] > row["40"]  # Korat south-west of Khon Kaen


def test_tile_map_of_a_subset_and_errors(tmp_path):
    fig = plot_tile_map(pd.Series({"49": 0.2, "37": 0.3}), "Two provinces", metric="coverage")
    assert_not_blank(write_png(fig, tmp_path, "tiles_subset"))
    with pytest.raises(SimError, match="not in Isan"):
        plot_tile_map({"10": 0.5}, "Bangkok")
    with pytest.raises(SimError, match="no values"):
        plot_tile_map({}, "empty")


@pytest.mark.parametrize("lang", ["en", "th"])
def test_zone_share_curve(tmp_path, lang):
    fig = plot_zone_share_curve(synthetic_sweep(), "people_protected", lang=lang)
    assert_not_blank(write_png(fig, tmp_path, f"curve_{lang}"))
    assert len(fig.axes) >= 2  # level and paired difference


def test_zone_share_curve_needs_the_zone_share():
    with pytest.raises(SimError, match="policy.zone_share"):
        plot_zone_share_curve(synthetic_sweep().drop(columns="policy.zone_share"))


def test_heatmap(tmp_path):
    fig = plot_heatmap(synthetic_sweep(), "policy.zone_share", "targeting.noise.zone", "coverage")
    assert_not_blank(write_png(fig, tmp_path, "heatmap"))
    with pytest.raises(SimError):
        plot_heatmap(synthetic_sweep(), "policy.zone_share", "policy.zone_share", "coverage")


@pytest.mark.parametrize("lang", ["en", "th"])
def test_sobol_bars(tmp_path, lang):
    indices = pd.DataFrame({
        "metric": "people_protected", "year": 2027,
        "parameter": ["policy.zone_share"] * 2 + ["targeting.noise.zone"] * 2,
        "index": ["S1", "ST"] * 2, "value": [0.5, 0.6, 0.1, 0.3], "conf": [0.1, 0.1, 0.4, 0.2],
        "reliable": [True, True, False, True], "note": ["", "", "interval wide", ""],
    })
    fig = plot_sobol(indices, lang=lang)
    assert_not_blank(write_png(fig, tmp_path, f"sobol_{lang}"))
    caption = " ".join(t.get_text() for t in fig.findobj(Text))
    assert ("unreliable" if lang == "en" else "ไม่น่าเชื่อถือ") in caption


# --- plots on real runs ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def quick_scenarios():
    from sim.inputs.scenario import find_scenario, load_scenario

    return [load_scenario(find_scenario(n)).with_overrides({}, region=QUICK_REGION, years=2)
            for n in ("province_2021", "zone_all_2023")]


@pytest.fixture(scope="module")
def quick_comparison(quick_scenarios):
    from sim.experiments.compare import compare

    return compare(quick_scenarios, 2, workers=1)


def test_plot_comparison_writes_fans_and_differences(tmp_path, quick_comparison):
    paths = plot_comparison(quick_comparison, tmp_path, lang="en")
    names = {p.name for p in paths}
    for stem in ("compare_people_protected", "compare_coverage", "compare_funds_by_status",
                 "compare_differences"):
        assert f"{stem}.png" in names and f"{stem}.svg" in names
    for p in paths:
        if p.suffix == ".png":
            assert_not_blank(p)
    thai = plot_comparison(quick_comparison, tmp_path, lang="th")
    assert all(p.name.split(".")[0].endswith("_th") for p in thai)


def test_tile_map_from_a_real_run(tmp_path, quick_scenarios):
    from sim.model.engine import simulate

    run = simulate(quick_scenarios[1], 0, outputs=("fund_years",))
    values = by_province(run.fund_years, "coverage")
    assert list(values.index) == ["49"] and 0 < values.iloc[0] < 1
    for metric in ("members", "weak_or_dormant_share", "reserves_per_member_thb"):
        assert np.isfinite(by_province(run.fund_years, metric).iloc[0])
    fig = plot_tile_map(values, "Coverage", metric="coverage", lang="th")
    assert_not_blank(write_png(fig, tmp_path, "tiles_real"))


@pytest.mark.parametrize("lang", ["en", "th"])
def test_allocation_against_the_rule(tmp_path, quick_scenarios, lang):
    from sim.studies.recommend import recommend, rule_allocation

    scenario = quick_scenarios[1]
    _problem, result, header, ctx = recommend(scenario, scenario.start_year + 1)
    fig = plot_allocation(result, rule_allocation(ctx), lang=lang, year=header["year"])
    assert_not_blank(write_png(fig, tmp_path, f"allocation_{lang}"))
    fig = plot_allocation(result, lang=lang)  # the recommendation alone
    assert_not_blank(write_png(fig, tmp_path, f"allocation_plain_{lang}"))


def test_results_dir_of_a_run_a_comparison_and_a_sweep(tmp_path, quick_scenarios, quick_comparison):
    from sim.experiments import Levels, Sweep
    from sim.model.engine import run_scenario
    from sim.report.outputs import write_result

    run_dir = tmp_path / "run"
    write_result(run_scenario(quick_scenarios[1], 2), run_dir)
    written = plot_results_dir(run_dir, lang="th")
    assert {p.name for p in written} >= {"run_people_protected_th.png", "tile_map_coverage_th.png"}
    assert all(p.parent == run_dir / "figures" for p in written)

    compare_dir = tmp_path / "compare"
    compare_dir.mkdir()
    quick_comparison.summary.to_csv(compare_dir / "summaries.csv", index=False)
    quick_comparison.differences.to_csv(compare_dir / "paired_differences.csv", index=False)
    written = plot_results_dir(compare_dir, out=tmp_path / "figs")
    assert (tmp_path / "figs" / "compare_differences.png") in written

    base = {"extends": str(quick_scenarios[1].path), "name": "quick",
            "run": {"region": QUICK_REGION, "years": 2, "seed": 7}}
    sweep = Sweep("tiny", base, [Levels("policy.zone_share", (0.0, 1.0)),
                                 Levels("targeting.noise.zone", (0.2, 0.8))], replicates=2)
    sweep.run(tmp_path / "sweep", workers=1, progress=False)
    written = plot_results_dir(tmp_path / "sweep")
    assert {p.name for p in written} >= {"zone_share_curve.png", "heatmap.png"}
    for p in written:
        if p.suffix == ".png":
            assert_not_blank(p)

    with pytest.raises(SimError, match="no results here"):
        plot_results_dir(tmp_path / "figs")


def test_plot_command(tmp_path, quick_scenarios, capsys):
    from sim.cli import main
    from sim.model.engine import run_scenario
    from sim.report.outputs import write_result

    write_result(run_scenario(quick_scenarios[0], 2, outputs=("summary",)), tmp_path / "run")
    assert main(["plot", str(tmp_path / "run"), "--lang", "th", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "run_coverage_th.png").exists()
    assert main(["plot", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {tmp_path / 'missing'}: no such results folder"]


def test_figures_command_writes_the_readme_figures(tmp_path):
    from sim.cli import main

    args = ["figures", "--out", str(tmp_path), "--years", "1", "--replicates", "2", "--workers", "1"]
    assert main(args) == 0
    for name in ("compare_people_protected", "zone_share_curve", "tile_map_coverage"):
        assert_not_blank(tmp_path / f"{name}.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "compare_horizon.png", "compare_people_protected.png", "manifest.json", "tile_map_coverage.png",
        "zone_share_curve.png"]


# --- Thai text -------------------------------------------------------------------------------


THAI_LABEL = "ผู้ได้รับความคุ้มครอง ความครอบคลุม กองทุนสวัสดิการชุมชน โซน จังหวัด พ.ศ. 2566"


def test_thai_font_is_registered_from_the_package():
    import fontpkg_noto_sans_thai as pkg

    family = fonts.register_thai_font()
    path = fonts.thai_font_path()
    assert family == pkg.FAMILY
    assert path is not None and Path(pkg.ROOT) in path.parents
    charmap = FT2Font(str(path)).get_charmap()
    missing = {c for c in THAI_LABEL if c != " " and ord(c) not in charmap}
    assert not missing, f"the Thai font lacks {missing}"  # no empty boxes


def test_thai_figure_text_is_drawn_with_the_thai_font(tmp_path):
    summary = synthetic_summary()
    fig = plot_fan(summary, "people_protected", lang="th", title=THAI_LABEL)
    write_png(fig, tmp_path, "thai")
    thai_file = str(fonts.thai_font_path())
    thai_texts = [t for t in fig.findobj(Text) if any("\u0e00" <= c <= "\u0e7f" for c in t.get_text())]
    assert any(t.get_text() == THAI_LABEL for t in thai_texts)
    assert len(thai_texts) > 5  # title, axis labels, legend, caption
    for t in thai_texts:
        used = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
        assert Path(used) == Path(thai_file), (t.get_text(), used)
    # tick labels made when the figure is drawn again later (a notebook) keep the Thai font
    ax = fig.axes[0]
    ax.set_xlim(2020, 2040)
    fig.canvas.draw()
    for label in ax.get_xticklabels():
        used = font_manager.findfont(label.get_fontproperties(), fallback_to_default=False)
        assert Path(used) == Path(thai_file)


def test_missing_thai_font_warns_and_falls_back_to_english(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "font_files", lambda: [])
    monkeypatch.setattr(fonts, "_registered", {})
    with pytest.warns(fonts.ThaiFontMissingWarning, match="no Thai font"):
        fig = plot_fan(synthetic_summary(), "people_protected", lang="th")
    texts = " ".join(t.get_text() for t in fig.findobj(Text))
    assert "People protected" in texts
    assert not any("\u0e00" <= c <= "\u0e7f" for c in texts)
    assert_not_blank(write_png(fig, tmp_path, "fallback"))


def render(fig) -> None:
    """Draw the figure as PNG and SVG in memory: glyphs are looked up only when text is drawn."""
    for fmt in ("png", "svg"):
        fig.savefig(io.BytesIO(), format=fmt)


def sobol_indices() -> pd.DataFrame:
    return pd.DataFrame({
        "metric": "people_protected", "year": 2027, "parameter": ["policy.zone_share"] * 2,
        "index": ["S1", "ST"], "value": [0.5, 0.6], "conf": [0.1, 0.1], "reliable": [True, True],
        "note": ["", ""],
    })


ENGLISH_FIGURES = {
    "fan": lambda: plot_fan(synthetic_summary(), "coverage", lang="en"),
    "fan_by_status": lambda: plot_fan(synthetic_summary(), "funds_by_status", lang="en"),
    "differences": lambda: plot_differences(synthetic_differences(synthetic_summary()), "en"),
    "tile_map": lambda: plot_tile_map({code: 0.1 for code in ISAN_TILES}, "Coverage", metric="coverage"),
    "zone_share_curve": lambda: plot_zone_share_curve(synthetic_sweep(), "people_protected", lang="en"),
    "heatmap": lambda: plot_heatmap(synthetic_sweep(), "policy.zone_share", "targeting.noise.zone", "coverage"),
    "sobol": lambda: plot_sobol(sobol_indices(), lang="en"),
}


@pytest.mark.parametrize("name", sorted(ENGLISH_FIGURES))
def test_english_figures_do_not_warn(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render(ENGLISH_FIGURES[name]())


def test_rendering_is_where_a_missing_glyph_warns():
    """The check above bites: Thai text in a Latin-only font warns when drawn, not before."""
    from matplotlib.figure import Figure

    fig = Figure()
    fig.text(0.5, 0.5, "ผู้ได้รับความคุ้มครอง", family="DejaVu Sans")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.get_children()  # building the figure draws nothing
        with pytest.raises(UserWarning, match="missing from font"):
            render(fig)


# --- labels ----------------------------------------------------------------------------------


def test_years_and_numbers():
    assert labels.format_year(2023, "th") == "2566"
    assert labels.format_year(2023, "th", prefix=True) == "พ.ศ. 2566"
    assert labels.format_year(2023.0, "en") == "2023"
    assert labels.be_year(2032) == 2575
    assert labels.format_number(1234567, "count") == "1,234,567"
    assert labels.format_number(0.1234, "share") == "12.3%"
    assert labels.format_number(75_000_000, "thb", compact=True) == "75.0 M THB"
    assert labels.format_number(75_000_000, "thb", "th", compact=True) == "75.0 ล้านบาท"
    assert labels.format_number(12, "count", signed=True) == "+12"
    assert labels.format_number(float("nan")) == "–"


def test_labels_in_both_languages():
    assert labels.metric_name("people_protected", "th") == "ผู้ได้รับความคุ้มครอง"
    assert labels.metric_label("coverage", "en").startswith("Coverage")
    assert labels.status_label("dormant", "th") == "หยุดดำเนินการ"
    assert labels.level_label("zone", "th") == "โซน"
    assert "2566" in labels.scenario_label("zone_all_2023", "th")
    assert labels.scenario_label("my_own", "th") == "my_own"
    assert labels.province_name("TH-34", "en") == "Ubon Ratchathani"
    assert labels.province_name(40, "th") == "ขอนแก่น"
    assert "sim/data/parameters.toml" in labels.source_caption("en", scenarios=["a"], replicates=3)
    with pytest.raises(SimError, match="unknown language"):
        labels.metric_name("members", "fr")


def test_the_same_figure_is_saved_as_the_same_bytes(tmp_path):
    """No date and fixed SVG ids: regenerating a committed figure changes its file only when
    the figure changes (a regeneration's diff shows what moved, not noise)."""
    import matplotlib.pyplot as plt

    def draw():
        fig, ax = plt.subplots()
        ax.plot([0, 1, 2], [1, 3, 2])
        ax.set_xlim(0, 2)  # a clip path: its SVG id was random
        return fig

    first = save_figure(draw(), tmp_path / "a")
    second = save_figure(draw(), tmp_path / "b")
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.suffix
    plt.close("all")
