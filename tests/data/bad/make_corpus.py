"""Writes the bad-input corpus next to this file (the files are committed; run it again only
to change them: python tests/data/bad/make_corpus.py)."""
from pathlib import Path

BAD = Path(__file__).resolve().parent
DATA = BAD.parent
ZONES = (DATA / "zone_mukdahan.csv").read_text(encoding="utf-8").splitlines()
POP = (DATA / "pop_mukdahan.csv").read_text(encoding="utf-8").splitlines()
RUN = '[run]\nregion = ["49"]\nyears = 1\nreplicates = 1\nseed = 3\n'


def w(name, content):
    path = BAD / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)


# ---- helper files (part_*): valid pieces the cases point at
w("part_base.toml", '# A valid one-province, one-year scenario the bad sweeps and CLI cases use\nname = "part_base"\n' + RUN)
w("part_chain_middle.toml", '# Valid itself, but extends a file that is not there\nextends = "gone.toml"\n')
w("part_cycle_b.toml", 'extends = "part_cycle_c.toml"\n')
w("part_cycle_c.toml", 'extends = "scn_extends_cycle_three.toml"\n')

# ---- scenario files
w("scn_number_too_long.toml", "# Bad: a seed of 5,001 digits (tomllib refuses integers over 4,300 digits)\n[run]\nseed = 1" + "0" * 5000 + "\n")
w("scn_int_beyond_float.toml", "# Bad: a whole number no float can hold\n[budget]\ndevelopment_thb_per_year = 1" + "0" * 400 + "\n")
w("scn_1e308_budget.toml", "# Bad: the largest float as a budget\n[budget]\ndevelopment_thb_per_year = 1e308\n")
w("scn_members_1e30.toml", "# Bad: 10^30 members per fund\n[start]\nmembers_mean = 1e30\n")
w("scn_negative_years.toml", "# Bad: a negative horizon\n[run]\nyears = -3\n")
w("scn_nested_too_deep.toml", "# Bad: arrays nested 3,000 deep (tomllib recurses)\nx = " + "[" * 3000 + "]" * 3000 + "\n")
w("scn_bom_thai_misspelt.toml", "\ufeff" + 'name = "thai_bom"\ntitle = "กองทุนสวัสดิการชุมชน ทุกโซน"\n[policy]\nzone_shar = 0.5\n')
w("scn_crlf_out_of_range.toml", '# Bad: Windows line endings, and a share above 1\r\nname = "crlf"\r\n[policy]\r\nzone_share = 1.5\r\n')
w("scn_name_with_slash.toml", '# Bad: the name would write outside results/\nname = "../../etc"\n')
w("scn_extends_folder.toml", '# Bad: extends a folder\nextends = "."\n')
w("scn_extends_chain_missing.toml", '# Bad: the file it extends extends a missing file\nextends = "part_chain_middle.toml"\n')
w("scn_extends_cycle_three.toml", '# Bad: a cycle of three files\nextends = "part_cycle_b.toml"\n')
w("scn_schedule_outside_run.toml", "# Bad: a scheduled change after the run ends\n" + RUN + "[[schedule]]\nyear = 2050\npolicy.zone_share = 0.5\n")
w("scn_input_is_folder.toml", '# Bad: a folder given as the zone map\n[inputs]\nzone_map = "."\n')
w("scn_input_not_text.toml", "# Bad: a number given as the population file\n[inputs]\npopulation = 5\n")
w("scn_unknown_province.toml", '# Bad: a sub-district code where a province code belongs\n[run]\nregion = ["4901"]\n')
w("scn_nan_years.toml", "# Bad: nan years\n[run]\nyears = nan\n")
w("scn_inf_seed.toml", "# Bad: an infinite seed\n[run]\nseed = inf\n")
w("scn_nan_in_list.toml", "# Bad: nan inside a list of shares\n[population]\nage_share = [nan, 0.13, 0.28, 0.24, 0.11, 0.05, 0.03]\n")
w("scn_binary.toml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
w("scn_nul_byte.toml", b'# Bad: a NUL byte inside a string\nname = "a\x00b"\n')
w("scn_cp874_thai.toml", '# Thai saved as TIS-620 (Windows-874), not UTF-8\ntitle = "กองทุน"\n'.encode("cp874"))
w("scn_duplicate_nested_key.toml", "# Bad: one key set twice\n[benefits.hospital]\nper_night_thb = 200\nper_night_thb = 250\n")

# ---- sweep files (base: part_base.toml)
P = '[[parameters]]\npath = "policy.zone_share"\nlevels = [0.0, 1.0]\n'
w("sweep_bom_misspelt.toml", "\ufeff" + 'base = "part_base.toml"\nreplicate = 2\n' + P)
w("sweep_malformed.toml", 'base = "part_base.toml\n' + P)
w("sweep_empty.toml", "")
w("sweep_latin1.toml", ('name = "café"\nbase = "part_base.toml"\n' + P).encode("latin-1"))
w("sweep_replicates_huge.toml", 'base = "part_base.toml"\nreplicates = 1' + "0" * 30 + "\n" + P)
w("sweep_replicates_negative.toml", 'base = "part_base.toml"\nreplicates = -1\n' + P)
w("sweep_seed_huge.toml", 'base = "part_base.toml"\nseed = 1' + "0" * 30 + "\n" + P)
w("sweep_samples_huge.toml", 'base = "part_base.toml"\n[design]\nkind = "latin_hypercube"\nsamples = 1' + "0" * 21 + '\n[[parameters]]\npath = "policy.zone_share"\nlow = 0.0\nhigh = 1.0\n')
w("sweep_levels_count_huge.toml", 'base = "part_base.toml"\n[[parameters]]\npath = "policy.zone_share"\nlow = 0.0\nhigh = 1.0\nlevels = 1000000000000\n')
w("sweep_level_too_long.toml", 'base = "part_base.toml"\n[[parameters]]\npath = "policy.mentors_per_province"\nlevels = [1, 1' + "0" * 400 + "]\n")
w("sweep_int_range_huge.toml", 'base = "part_base.toml"\n[[parameters]]\npath = "policy.mentors_per_province"\ntype = "int"\nlow = 0\nhigh = 1' + "0" * 30 + "\nlevels = 3\n")
w("sweep_levels_nan.toml", 'base = "part_base.toml"\n[[parameters]]\npath = "policy.zone_share"\nlevels = [nan, 0.5]\n')
w("sweep_low_inf.toml", 'base = "part_base.toml"\n[[parameters]]\npath = "policy.zone_share"\nlow = -inf\nhigh = inf\nlevels = 3\n')
w("sweep_unknown_path.toml", 'base = "part_base.toml"\n[[parameters]]\npath = "policy.zone_shar"\nlevels = [0.0, 1.0]\n')
w("sweep_base_missing.toml", 'base = "no_such_base.toml"\n' + P)
w("sweep_base_is_folder.toml", 'base = "."\n' + P)
w("sweep_base_not_utf8.toml", 'base = "scn_binary.toml"\nseed = 1\n' + P)
w("sweep_value_out_of_range.toml", 'base = "part_base.toml"\n[[parameters]]\npath = "policy.zone_share"\nlevels = [0.5, 2.0]\n')
w("sweep_unknown_province.toml", 'base = "part_base.toml"\n[[parameters]]\npath = "run.region"\nlevels = ["99"]\n')
w("sweep_output_unknown.toml", 'base = "part_base.toml"\noutputs = ["summry"]\n' + P)
w("sweep_too_many_points.toml", 'base = "part_base.toml"\n' + "".join(
    f'[[parameters]]\npath = "{p}"\nlow = {lo}\nhigh = {hi}\nlevels = 100\n'
    for p, lo, hi in [("policy.zone_share", 0.0, 1.0), ("policy.region_share", 0.0, 0.3),
                      ("policy.mentor_share", 0.0, 0.3), ("targeting.noise.zone", 0.1, 0.5),
                      ("targeting.noise.province", 0.1, 0.5), ("targeting.noise.region", 0.1, 0.5)]))
w("sweep_duplicate_key.toml", 'base = "part_base.toml"\nbase = "part_base.toml"\n' + P)


# ---- zone maps, fund registries, population files, each with a scenario that uses it
def with_input(csv_name, key, content):
    w(csv_name, content)
    stem = csv_name.rsplit(".", 1)[0]
    w(f"with_{stem}.toml", f'# Runs Mukdahan with {csv_name} as its {key}\nname = "with_{stem}"\n' + RUN
      + f'[inputs]\n{key} = "{csv_name}"\n')


def lines(rows):
    return "\n".join(rows) + "\n"


with_input("zones_unknown_code.csv", "zone_map", lines([*ZONES, "999999,MUK-A,Mukdahan town,เมืองมุกดาหาร,0"]))
with_input("zones_missing_rows.csv", "zone_map", lines(ZONES[:11]))
with_input("zones_cp874.csv", "zone_map", lines(ZONES).encode("cp874"))
with_input("zones_empty.csv", "zone_map", b"")
with_input("zones_bom_crlf_header_only.csv", "zone_map", b"\xef\xbb\xbf" + (ZONES[0] + "\r\n").encode())
with_input("zones_duplicate_code.csv", "zone_map", lines([*ZONES, ZONES[3]]))
with_input("zones_utf16.csv", "zone_map", lines(ZONES).encode("utf-16-le"))
with_input("zones_huge_field.csv", "zone_map", lines([*ZONES[:3], "490103,MUK-A," + "x" * 132_000 + ",y,0"]))
blank = list(ZONES)
blank[5] = blank[5].replace("MUK-A", "")
with_input("zones_blank_zone_id.csv", "zone_map", lines(blank))

REG = "subdistrict_code,founded_year,members"
with_input("registry_members_1e30.csv", "fund_registry", lines([REG, "490101,2010,1e30"]))
with_input("registry_unknown_code.csv", "fund_registry", lines([REG, "990101,2010,100"]))
with_input("registry_reserves_nan.csv", "fund_registry", lines([REG + ",reserves_thb", "490101,2010,100,nan"]))
with_input("registry_reserves_1e17.csv", "fund_registry", lines([REG + ",reserves_thb", "490101,2010,100,1e17"]))
with_input("registry_buddhist_year.csv", "fund_registry", lines([REG, "490101,2553,100"]))
with_input("registry_bom_crlf_thai_status.csv", "fund_registry", b"\xef\xbb\xbf" + (
    "subdistrict_code,founded_year,members,status,หมายเหตุ\r\n490101,2010,100,normal,ปกติ\r\n"
    "490102,2011,50,อ่อนแอ,สถานะภาษาไทย\r\n").encode())
with_input("registry_members_above_population.csv", "fund_registry", lines([REG, "490101,2010,10000000"]))

pop = list(POP)
pop[1] = "490101,9007199254740992"
with_input("population_huge.csv", "population", lines(pop))
pop = list(POP)
pop[1] = "490101,1e308"
with_input("population_1e308.csv", "population", lines(pop))
pop = list(POP)
pop[1] = "490101,-5"
with_input("population_negative.csv", "population", lines(pop))
pop = list(POP)
pop[1], pop[2] = "490101,inf", "490102,nan"
with_input("population_inf_nan.csv", "population", lines(pop))
with_input("population_duplicate.csv", "population", lines([*POP, POP[7]]))
with_input("population_empty.csv", "population", b"")
w("part_sweep.toml", '# A valid sweep over part_base.toml, for the command-line cases\nbase = "part_base.toml"\n' + P)
w("README.md", """# Bad inputs

Every file here is a case of `tests/test_bad_inputs.py`: the CLI must refuse it with exit
status 1 and one line `error: FILE: PLACE: what is wrong`, never a traceback.

- `scn_*.toml` — scenario files (run with `welfare-sim run`)
- `sweep_*.toml` — sweep files (run with `welfare-sim sweep`)
- `zones_*.csv`, `registry_*.csv`, `population_*.csv` — zone maps, fund registries and
  population files; `with_NAME.toml` runs Mukdahan (province 49) with `NAME.csv`
- `part_*.toml` — valid pieces the cases point at (a base scenario, a valid sweep, links of
  `extends` chains)

Some files are deliberately not UTF-8, hold a byte-order mark, Windows line endings, NUL
bytes or numbers of thousands of digits: keep them byte for byte (no editor re-saves);
`make_corpus.py` writes them all.
""")
w("sweep_wrong_type.toml", 'base = "part_base.toml"\nreplicates = "3"\n' + P)
