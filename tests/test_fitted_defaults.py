"""`welfare-sim calibrate --write-defaults` writes the fit where it lives, and nothing else."""

from __future__ import annotations

import shutil
import tomllib

import pytest

from sim.errors import SimError
from sim.inputs.parameters import default_parameters_path
from sim.studies.calibration import HISTORY_FILE
from sim.studies.fitted_defaults import write_history_budget, write_model_default


def test_a_model_default_is_replaced_and_the_rest_of_the_file_kept(tmp_path):
    file = tmp_path / "parameters.toml"
    shutil.copy(default_parameters_path(), file)
    before = file.read_text(encoding="utf-8").splitlines()
    write_model_default("membership.join_rate", 0.051234567, file)
    after = file.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1] == "value = 0.05123"
    assert tomllib.loads(file.read_text(encoding="utf-8"))["membership"]["join_rate"]["value"] == 0.05123
    with pytest.raises(SimError, match=r"no table \[membership.joinrate\]"):
        write_model_default("membership.joinrate", 1.0, file)


def test_the_set_up_budget_goes_into_the_history_file(tmp_path):
    file = tmp_path / "history.toml"
    shutil.copy(HISTORY_FILE, file)
    write_history_budget(912_345_678.9, file)
    data = tomllib.loads(file.read_text(encoding="utf-8"))
    assert data["budget"]["development_thb_per_year"] == 912_300_000
    # the 2014 schedule entry (the regular budget) is untouched
    assert HISTORY_FILE.read_text(encoding="utf-8").count("228_000_000") == file.read_text(encoding="utf-8").count(
        "228_000_000")


@pytest.mark.parametrize("content, fragment", [(None, "no calibration.json here"),
                                               ('{"x": 1}', "not a finished calibration"),
                                               ("{broken", "not a finished calibration")])
def test_a_bad_calibration_folder_is_one_line(tmp_path, capsys, content, fragment):
    from sim.cli import main
    if content is not None:
        (tmp_path / "calibration.json").write_text(content, encoding="utf-8")
    assert main(["calibrate", "--write-defaults", "--from", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and fragment in err and "\n" not in err and "Traceback" not in err
