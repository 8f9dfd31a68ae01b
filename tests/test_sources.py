"""The sources the parameter file cites can be read in the repository: every tag has a title, a
publisher, a year and a link, and docs/sources.md is the reference file in readable form."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import SimError
from sim.inputs.parameters import default_parameters
from sim.inputs.references import NO_DATE, cited_tags, load_references, references, sources_markdown
from sim.studies.calibration import load_targets

ROOT = Path(__file__).resolve().parents[1]


def cited_everywhere() -> dict[str, set[str]]:
    """Tag -> where it is cited: parameters, calibration targets, shipped scenario files."""
    where: dict[str, set[str]] = {}
    for path, d in default_parameters().definitions.items():
        for tag in d.tags:
            where.setdefault(tag, set()).add(path)
    targets, holdout = load_targets()
    for t in [*targets, holdout]:
        for tag in cited_tags(t.source):
            where.setdefault(tag, set()).add(f"target {t.name}")
    for path in sorted((ROOT / "scenarios").rglob("*.toml")):
        for tag in cited_tags(path.read_text(encoding="utf-8")):
            where.setdefault(tag, set()).add(str(path.relative_to(ROOT)))
    return where


def test_every_cited_tag_has_a_title_a_publisher_a_year_and_a_link():
    refs = references()
    cited = cited_everywhere()
    assert len(cited) >= 30 and "S0" in cited and "S4" in cited
    for tag, places in sorted(cited.items()):
        assert tag in refs, f"[{tag}] cited by {sorted(places)[:3]} is not in sim/data/references.toml"
        ref = refs[tag]
        assert ref.title.strip() and ref.publisher.strip(), tag
        assert ref.year == NO_DATE or 1900 <= ref.year <= 2100, tag
        if ref.url.startswith("http"):
            continue
        assert (ROOT / ref.url).is_file(), f"[{tag}] points at {ref.url}, which is not in the repository"
        assert "shared/data" not in ref.text  # a file outside the repository is not readable here


def test_the_workshop_text_behind_s0_is_in_the_repository():
    text = (ROOT / references()["S0"].url).read_text(encoding="utf-8")
    assert "ร้อยเอ็ด" in text and "2566" in text and "โซน" in text


def test_docs_sources_is_the_reference_file_in_readable_form():
    committed = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    assert committed == sources_markdown(), "regenerate: python -m sim.inputs.references > docs/sources.md"
    for tag, ref in references().items():
        assert f"| [{tag}] | " in committed and str(ref.year) in committed


@pytest.mark.parametrize(("entry", "message"), [
    ('text = "t"\norigin = "o"\n', "missing: ['publisher', 'title', 'url', 'year']"),
    ('text = "t"\norigin = "o"\ntitle = "x"\npublisher = "p"\nyear = 1066\nurl = "u"\n', "year must be a year"),
    ('text = "t"\norigin = "o"\ntitle = ""\npublisher = "p"\nyear = 2020\nurl = "u"\n', "non-empty text"),
])
def test_a_reference_without_its_facts_is_refused(tmp_path, entry, message):
    path = tmp_path / "refs.toml"
    path.write_text("[S1]\n" + entry, encoding="utf-8")
    with pytest.raises(SimError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_references(path)
