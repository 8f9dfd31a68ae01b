"""Next year's recommended allocation, for planners: who gets what, which rules bind, and
what one more baht is worth.

The state the recommendation starts from is the simulated one: the scenario's own policy is
run up to the start of the requested year in one replicate (the header says which). The
allocation problem is then built from that state exactly as the closed-loop `lp` policy
builds it (see :mod:`sim.model.lp_policy`) and solved by HiGHS.

`--robust K` samples K sets of the uncertain effect and targeting parameters, builds the
value curves under each, and maximises the CVaR of the gain (still an LP); the plain mean
allocation is reported beside it with what each gives up in the other's case.

The planner's workbook (:func:`write_plan`, `welfare-sim allocate --out FILE.xlsx --lang th|en`)
opens on a summary in plain words (:func:`plan_summary`): what to do — the split by level and
the largest shifts from the scenario's rule (:func:`rule_allocation`), which constraints bind,
what one more million baht would buy (the budget's shadow price, the value of one more baht,
times a million), and why the LP's objective differs from the expected gain (the zone-capacity
value and weighted goals it also counts; the overheads that buy no people by themselves). The
rule is read on the LP's own value curves (:func:`evaluate_allocation`) so the two stand side
by side. Thai output uses the GLOSSARY terms and Buddhist Era years (พ.ศ. = C.E. + 543).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.allocation import (
    AllocationProblem,
    AllocationResult,
    solve,
    solve_robust,
    write_allocation,
)
from sim.allocation.explain import curve_value
from sim.allocation.export import allocation_to_frames
from sim.allocation.problem import prepare
from sim.errors import SimError
from sim.inputs.scenario import as_scenario
from sim.model.engine import Simulation
from sim.model.lp_policy import build_problem
from sim.report.labels import (
    export_labels,
    format_number,
    format_year,
    level_label,
    province_name,
    scenario_label,
)


def situation(scenario, year: int, *, replicate: int = 0, budget_thb: float | None = None):
    """The simulated situation at the start of `year` (scenario policy until then)."""
    scenario = as_scenario(scenario)
    if year < scenario.start_year:
        raise SimError(f"--year {year} is before the scenario starts ({scenario.start_year})")
    if year > scenario.start_year + 50:
        raise SimError(f"--year {year} is more than 50 years after the scenario starts ({scenario.start_year})")
    if budget_thb is not None and (not np.isfinite(budget_thb) or budget_thb < 0):
        raise SimError(f"--budget must be a non-negative number of baht, got {budget_thb}")
    if replicate < 0:
        raise SimError(f"--replicate must be 0 or more, got {replicate}")
    sim = Simulation(scenario, replicate, outputs=())
    sim.advance_to(year)
    ctx = sim.prepare_year()
    if budget_thb is not None:
        ctx.budget_thb = float(budget_thb)
    return sim, ctx


def recommend(scenario, year: int, *, replicate: int = 0, budget_thb: float | None = None,
              mip: bool | None = None):
    """(problem, result, header, ctx) for the year's recommended allocation.

    `scenario` is a Scenario, a shipped scenario's name or a file path.
    """
    scenario = as_scenario(scenario)
    sim, ctx = situation(scenario, year, replicate=replicate, budget_thb=budget_thb)
    if mip is not None:
        ctx.params = ctx.params.with_overrides({"policy.lp.mip": bool(mip)}, origin="--mip")
    problem = build_problem(ctx)
    result = solve(problem, method="fast", mip=bool((problem.units["funded"] == "choose").any()))
    header = {
        "scenario": scenario.name,
        "scenario_title": scenario.title or scenario.name,
        "year": year,
        "year_be": year + 543,
        "budget_thb": ctx.budget_thb,
        "state": f"simulated replicate {replicate} at the start of {year} (seed {sim.seed}), "
                 f"scenario policy '{scenario.params['policy.kind']}' until then",
        "replicate": replicate,
        "seed": sim.seed,
        "policy_until_then": scenario.params["policy.kind"],
        "rule": rule_text(ctx.params, "en"),
        "package_version": __version__,
        # the unit of every gain below: the headline over the allocator's horizon
        "horizon_years": int(ctx.params["policy.lp.horizon_years"]),
        "discount_rate": float(ctx.params["metrics.discount_rate"]),
    }
    return problem, result, header, ctx


def robust_recommendation(scenario, ctx, problem, k: int, *, alpha: float = 0.2, seed: int = 0):
    """Robust (CVaR) allocation over K parameter sets drawn from the parameter file's plausible
    bands, the curves read at the allocation the plain problem settles on
    (`lp_policy.robust_curve_sets`), beside the plain mean one."""
    from sim.model.lp_policy import robust_curve_sets

    if k < 2:
        raise SimError(f"--robust needs at least 2 parameter sets, got {k}")
    fixed, curve_sets = robust_curve_sets(ctx, problem, k, seed=seed)
    return solve_robust(fixed, curve_sets, alpha=alpha, method="cvar")


def explain(result: AllocationResult, header: dict) -> str:
    """Plain words for the terminal: totals by level, binding rules, value of one more baht."""
    lines = [f"Recommended allocation for {header['year']} (B.E. {header['year_be']}), budget "
             f"{header['budget_thb']:,.0f} THB — {header['state']}."]
    by_level = result.amounts_thb.groupby(result.units.set_index("unit_id").loc[result.amounts_thb.index, "level"]).sum()
    for level, amount in by_level.items():
        if amount > 0:
            lines.append(f"  {level:<15}{amount:>16,.0f} THB  ({amount / max(header['budget_thb'], 1):.0%})")
    lines.append(f"Expected gain: {result.gain_people:,.0f} people protected (objective {result.objective:,.1f}).")
    cons = result.constraints
    binding = cons[cons["binding"] & ~cons["group"].isin(["floor", "cap"])]
    for row in binding.itertuples():
        lines.append(f"  binding: {row.name} — one more baht here is worth {row.shadow_price:.6f} people")
    caps = int((cons["binding"] & (cons["group"] == "cap")).sum())
    floors = int((cons["binding"] & (cons["group"] == "floor")).sum())
    lines.append(f"  {floors} unit{'s' if floors != 1 else ''} held at {'their' if floors != 1 else 'its'} floor "
                 f"(overhead), {caps} at {'their' if caps != 1 else 'its'} cap (absorptive capacity).")
    return "\n".join(lines)


def rule_allocation(ctx) -> pd.Series:
    """What the scenario's rule (the zone_share policy with the scenario's shares and
    within-level formula) would give each unit in the same situation, for comparison.

    As the engine decides it, with the region's view of need from one forecast draw (the
    by-need and by-marginal-value formulas read a view; the others do not).
    """
    from sim.model import policies
    from sim.model.lp_policy import forecast_noise

    noise = forecast_noise(ctx, 1)[0]
    seen = policies.unit_value_seen_by_region(ctx.units, ctx.value, noise["region"])
    extra = {}
    view_of = getattr(policies, "marginal_view", None)  # the by-marginal-value split's view
    if view_of is not None:
        extra["marginal"] = view_of(ctx, noise)
    money = policies.allocate_by_levels(ctx.params, ctx.budget_thb, ctx.units, ctx.zone_ok, seen, **extra)
    return pd.Series(money, index=ctx.units.table["unit_id"].to_numpy())


# --- the planner's workbook: a summary in plain words --------------------------------------

_WITHIN = {
    "equal": ("equal shares", "แบ่งเท่ากัน"),
    "per_subdistrict": ("per sub-district", "ตามจำนวนตำบล"),
    "per_capita": ("per person", "ตามจำนวนประชากร"),
    "by_need": ("by need", "ตามความต้องการ"),
    "by_marginal_value": ("by marginal value", "ตามมูลค่าส่วนเพิ่ม"),
}

# Sentences of the summary sheet, (English, Thai); GLOSSARY.md terms in Thai.
_SAY = {
    "title": ("Development budget {year}: recommended allocation — {scenario}",
              "ข้อเสนอการจัดสรรงบประมาณพัฒนา ปี {year} — {scenario}"),
    "intro": ("Budget {budget}. Recommended by the linear-programming (LP) allocator from the simulated "
              "state at the start of {year} (replicate {replicate}), beside the scenario's rule ({rule}). "
              "The sheet “{allocation}” lists every unit with its totals; “{constraints}” every limit.",
              "งบประมาณ {budget} เสนอโดยแบบจำลองเชิงเส้น (LP) จากสถานะที่จำลองไว้ ณ ต้นปี {year} "
              "(การจำลองครั้งที่ {replicate}) เทียบกับหลักเกณฑ์ของฉากทัศน์ ({rule}) "
              "แผ่นงาน “{allocation}” แสดงทุกหน่วยพร้อมยอดรวม แผ่นงาน “{constraints}” แสดงทุกเงื่อนไข"),
    "rule": ("region {region}, province groups {group}, mentor funds {mentor}, zones' share s = {s} of the "
             "rest; within a level {within}",
             "ภาค {region} กลุ่มจังหวัด {group} กองทุนพี่เลี้ยง {mentor} ส่วนที่เหลือผ่านโซนในสัดส่วน s = {s} "
             "ภายในระดับ{within}"),
    "h_do": ("What to do", "สิ่งที่ควรทำ"),
    "split": ("Allocate the budget as in the sheet “{allocation}”: {levels}.",
              "จัดสรรงบประมาณตามแผ่นงาน “{allocation}”: {levels}"),
    "level_part": ("{level} {amount} ({share})", "{level} {amount} ({share})"),
    "vs_rule_levels": ("Against the scenario's rule: {changes}.", "เมื่อเทียบกับหลักเกณฑ์ของฉากทัศน์: {changes}"),
    "same_levels": ("The split between levels is the rule's; the shifts are within levels.",
                    "สัดส่วนระหว่างระดับเท่ากับหลักเกณฑ์ ต่างกันเฉพาะภายในระดับ"),
    "counts": ("Units getting more than the rule: {more}; less: {less}; the same: {same}. The largest "
               "increases and cuts:",
               "{more} หน่วยได้มากกว่าหลักเกณฑ์ {less} หน่วยได้น้อยกว่า {same} หน่วยเท่าเดิม "
               "ที่เพิ่มขึ้นและลดลงมากที่สุด:"),
    "no_shift": ("Every unit gets what the rule gives it.", "ทุกหน่วยได้รับเท่ากับหลักเกณฑ์"),
    "shift_more": ("• {name}: {amount}, {diff} more than the rule ({rule})",
                   "• {name}: {amount} มากกว่าหลักเกณฑ์ {diff} (หลักเกณฑ์ {rule})"),
    "shift_less": ("• {name}: {amount}, {diff} less than the rule ({rule})",
                   "• {name}: {amount} น้อยกว่าหลักเกณฑ์ {diff} (หลักเกณฑ์ {rule})"),
    "unfunded": ("Not funded this year ({n}): {names}.", "ไม่จัดสรรงบในปีนี้: {n} หน่วย ({names})"),
    "gain": ("Expected gain: {gain} people protected.", "ผลที่คาดว่าจะได้: ผู้ได้รับความคุ้มครอง {gain} คน"),
    "gain_vs_rule": ("Expected gain: {gain} people protected; the rule's allocation, read on the same value "
                     "curves, {rule_gain} — {diff} {direction} with the recommendation.",
                     "ผลที่คาดว่าจะได้: ผู้ได้รับความคุ้มครอง {gain} คน การจัดสรรตามหลักเกณฑ์ "
                     "(อ่านจากเส้นมูลค่าเดียวกัน) {rule_gain} คน — ข้อเสนอ{direction} {diff} คน"),
    "more": ("more", "มากกว่า"),
    "fewer": ("fewer", "น้อยกว่า"),
    "h_bind": ("Which constraints bind", "เงื่อนไขที่เป็นข้อจำกัด"),
    "budget_binds": ("The whole budget is used: the budget binds.",
                     "ใช้งบประมาณครบทั้งหมด: งบประมาณเป็นเงื่อนไขที่เป็นข้อจำกัด"),
    "budget_slack": ("The budget does not bind: {slack} is left, because every unit that could use more "
                     "already gets all it can absorb.",
                     "งบประมาณไม่เป็นข้อจำกัด: เหลือ {slack} เพราะทุกหน่วยที่ใช้งบได้อีกได้รับเต็มเพดานแล้ว"),
    "share_min": ("At least {share} of the budget must go to the {level} level: this binds; each million baht more "
                  "required there costs about {value} people protected.",
                  "ต้องจัดสรรให้ระดับ{level}อย่างน้อย {share} ของงบประมาณ: เงื่อนไขนี้เป็นข้อจำกัด "
                  "ทุก 1 ล้านบาทที่บังคับเพิ่มจะเสียผู้ได้รับความคุ้มครองประมาณ {value} คน"),
    "share_max": ("At most {share} of the budget may go to the {level} level: this binds; each million baht more "
                  "allowed there would add about {value} people protected.",
                  "จัดสรรให้ระดับ{level}ได้ไม่เกิน {share} ของงบประมาณ: เงื่อนไขนี้เป็นข้อจำกัด "
                  "ทุก 1 ล้านบาทที่ผ่อนเพิ่มจะได้ผู้ได้รับความคุ้มครองเพิ่มประมาณ {value} คน"),
    "equity_low": ("{province} gets the least money per person the equity rule allows ({ratio} × the "
                   "regional average); each million baht the rule holds there costs about {value} people "
                   "protected elsewhere.",
                   "{province} ได้งบต่อหัวต่ำสุดที่เกณฑ์ความเป็นธรรมยอมให้ ({ratio} เท่าของค่าเฉลี่ยภาค) "
                   "ทุก 1 ล้านบาทที่เกณฑ์นี้บังคับไว้จะเสียผู้ได้รับความคุ้มครองที่อื่นประมาณ {value} คน"),
    "equity_high": ("{province} gets the most money per person the equity rule allows ({ratio} × the "
                    "regional average); each million baht more allowed there would add about {value} people "
                    "protected.",
                    "{province} ได้งบต่อหัวสูงสุดที่เกณฑ์ความเป็นธรรมยอมให้ ({ratio} เท่าของค่าเฉลี่ยภาค) "
                    "ทุก 1 ล้านบาทที่ผ่อนเพิ่มจะได้ผู้ได้รับความคุ้มครองเพิ่มประมาณ {value} คน"),
    "floors": ("Held at the floor — the overhead only, the least a funded unit needs, nothing for development "
               "work ({n}): {names}. The next baht does more elsewhere; whether to fund such units at all is "
               "the mixed-integer choice (--mip).",
               "{n} หน่วยได้รับเพียงขั้นต่ำ คือค่าบริหารจัดการกลไก ไม่มีงบสำหรับงานพัฒนา: {names} "
               "งบบาทต่อไปให้ผลมากกว่าที่หน่วยอื่น จะให้งบหน่วยเหล่านี้หรือไม่ ให้ใช้ทางเลือกจำนวนเต็ม (--mip)"),
    "caps": ("At the cap — all they can absorb ({n}): {names}.",
             "{n} หน่วยได้รับเต็มเพดานงบที่ใช้ได้: {names}"),
    "no_other": ("No other constraint binds.", "ไม่มีเงื่อนไขอื่นเป็นข้อจำกัด"),
    "h_million": ("What one more million baht would buy", "งบประมาณเพิ่ม 1 ล้านบาทจะได้อะไร"),
    "million": ("About {value} more people protected{capacity}: the budget's shadow price, the value of one "
                "more baht, is {price} people per baht. It holds for small changes (a million baht less "
                "would cost about as many); a much larger budget buys less per baht.",
                "ผู้ได้รับความคุ้มครองเพิ่มประมาณ {value} คน{capacity} เพราะมูลค่าของงบประมาณเพิ่ม 1 บาท "
                "เท่ากับ {price} คนต่อบาท ใช้ได้กับการเปลี่ยนแปลงเล็กน้อย (ลดงบ 1 ล้านบาทจะเสียประมาณเท่ากัน) "
                "งบที่เพิ่มมากกว่านี้มากจะได้ผลต่อบาทลดลง"),
    "million_capacity": (" (counting zone capacity as the people it protects in later years)",
                         " (นับศักยภาพกลไกโซนเป็นผู้ได้รับความคุ้มครองในปีต่อไป)"),
    "million_goes": ("Where the next baht does most (people protected per million THB): {names}.",
                     "หน่วยที่งบบาทต่อไปให้ผลมากที่สุด (ผู้ได้รับความคุ้มครอง คนต่อล้านบาท): {names}"),
    "million_nothing": ("Nothing more: {slack} of this budget is already left over, every unit being at the "
                        "most it can absorb.",
                        "ไม่ได้เพิ่ม: งบประมาณนี้เหลืออยู่แล้ว {slack} เพราะทุกหน่วยได้รับเต็มเพดานที่ใช้ได้"),
    "million_zero": ("Next to nothing: the units that could still take money add almost no people protected.",
                     "แทบไม่ได้เพิ่ม: หน่วยที่ยังรับงบได้แทบไม่เพิ่มผู้ได้รับความคุ้มครอง"),
    "h_objective": ("Objective and expected gain", "ค่าเป้าหมายกับผลที่คาดว่าจะได้"),
    "units_horizon": ("Every gain on this sheet is the tool's headline over the allocator's horizon: people "
                      "protected summed over the next {h} years, discounted {r}% a year (this year's people "
                      "protected plus the value of the state the funds are left in). Where it says “people "
                      "protected”, read person-years protected in that sense.",
                      "ผลทุกตัวเลขในแผ่นงานนี้คือตัวชี้วัดหลักตลอดช่วงวางแผนของ LP: ผู้ได้รับความคุ้มครองรวม "
                      "{h} ปีข้างหน้า คิดลด {r}% ต่อปี (ผู้ได้รับความคุ้มครองปีนี้ บวกมูลค่าของสถานะกองทุนที่เหลือไว้) "
                      "คำว่า “ผู้ได้รับความคุ้มครอง” จึงหมายถึงคน-ปีที่ได้รับความคุ้มครองในความหมายนี้"),
    "objective_differs": ("The LP maximises an objective of {objective}: the expected gain of {gain} people "
                          "protected plus {extra}. That is why the objective is {diff} higher than the "
                          "expected gain.",
                          "LP หาค่าสูงสุดของค่าเป้าหมาย {objective} ซึ่งเท่ากับผลที่คาดว่าจะได้ "
                          "(ผู้ได้รับความคุ้มครอง {gain} คน) บวก{extra} ค่าเป้าหมายจึงสูงกว่าผลที่คาดว่าจะได้ {diff}"),
    "objective_capacity": ("{value} for the zone capacity the money builds (worth people protected in later "
                           "years)",
                           " {value} สำหรับศักยภาพกลไกโซนที่งบสร้างขึ้น (ผู้ได้รับความคุ้มครองในปีต่อไป)"),
    "objective_funding": ("{value} for funding the zones it funds (the capacity a funded zone builds for later "
                          "years, counted once)",
                          " {value} สำหรับการให้งบโซน (ศักยภาพกลไกโซนที่สร้างไว้ใช้ในปีต่อไป นับครั้งเดียว)"),
    "objective_other": ("{value} for {term}", " {value} สำหรับ {term}"),
    "objective_goal": ("{value} for the goal “{goal}” (weighted)", " {value} สำหรับเป้าหมาย “{goal}” (ถ่วงน้ำหนัก)"),
    "objective_guarded": ("This allocation maximises a guarded objective, {objective}: the value in the worst "
                          "cases over sampled parameter sets, not the expected gain ({gain} people protected, "
                          "the mean over the sets). Its shadow prices are in the same guarded terms.",
                          "การจัดสรรนี้หาค่าสูงสุดของค่าเป้าหมายแบบระวังความเสี่ยง {objective} คือค่าในกรณีที่แย่ที่สุด"
                          "ของชุดพารามิเตอร์ที่สุ่ม ไม่ใช่ผลที่คาดว่าจะได้ (ผู้ได้รับความคุ้มครอง {gain} คน "
                          "ค่าเฉลี่ยของทุกชุด) มูลค่าเงาก็คิดแบบเดียวกัน"),
    "objective_same": ("The objective is the expected gain itself ({gain} people protected): no capacity value or "
                       "other goal is counted.",
                       "ค่าเป้าหมายเท่ากับผลที่คาดว่าจะได้ (ผู้ได้รับความคุ้มครอง {gain} คน) "
                       "ไม่นับมูลค่าศักยภาพหรือเป้าหมายอื่น"),
    "overheads": ("Of the budget, {overhead} ({share}) pays the overheads of the {n} funded units (their "
                  "floors): it keeps them running but buys no people protected by itself; the expected gain "
                  "comes from the other {rest}.",
                  "งบประมาณ {overhead} ({share}) เป็นค่าบริหารจัดการกลไกของ {n} หน่วยที่ได้รับงบ (ขั้นต่ำ) "
                  "ทำให้กลไกทำงานได้แต่ไม่เพิ่มผู้ได้รับความคุ้มครองโดยตรง ผลที่คาดว่าจะได้มาจากงบที่เหลือ {rest}"),
    "rule_above_cap": ("Under the rule, {value} would go beyond units' caps (more than they can absorb), "
                       "buying nothing.",
                       "ตามหลักเกณฑ์ งบ {value} จะเกินเพดานที่หน่วยใช้ได้ จึงไม่เกิดผล"),
    "rule_below_overhead": ("Under the rule, {value} would go to units that get less than their overhead "
                            "({names}), buying nothing.",
                            "ตามหลักเกณฑ์ งบ {value} จะไปที่หน่วยที่ได้น้อยกว่าค่าบริหารจัดการกลไก ({names}) "
                            "จึงไม่เกิดผล"),
    "caveat": ("Expected gains are read from the LP's value curves, estimated from one simulated state "
               "(MODEL.md §6): expectations, not promises.",
               "ผลที่คาดว่าจะได้อ่านจากเส้นมูลค่าของ LP ที่ประมาณจากสถานะจำลองหนึ่งชุด (MODEL.md §6) "
               "เป็นค่าคาดหมาย ไม่ใช่คำรับประกัน"),
    "state": ("simulated replicate {replicate} at the start of {year} (seed {seed}), scenario policy '{policy}' "
              "until then",
              "การจำลองครั้งที่ {replicate} ณ ต้นปี {year} (seed {seed}) ใช้นโยบาย '{policy}' ของฉากทัศน์จนถึงปีนั้น"),
    "and_more": ("and {n} more", "และอีก {n} หน่วย"),
}

# Objective terms besides people protected, and the sentence that names each.
_OBJECTIVE_TERMS = {"capacity_value": "objective_capacity", "funding_value": "objective_funding"}


def _say(key: str, lang: str, **values: object) -> str:
    return _SAY[key][0 if lang == "en" else 1].format(**values)


def _thb(value: float, lang: str) -> str:
    return format_number(float(value), "thb", lang)


def _count(value: float, lang: str) -> str:
    return format_number(float(value), "count", lang)


def _share(value: float, lang: str) -> str:
    value = float(value)
    return format_number(value, "share", lang, digits=1 if 0 < abs(value) < 0.095 else 0)


def _names(names: list[str], lang: str, most: int = 6) -> str:
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} {_say('and_more', lang, n=len(names) - most)}"


def _province(code: object, lang: str) -> str:
    try:
        return province_name(code, lang)
    except SimError:
        return str(code)


def _unit_label(row, lang: str) -> str:
    """A unit as a planner names it: "Mukdahan (province)", "โซนดงหลวง – หนองสูง (มุกดาหาร)"."""
    name = str(row[f"name_{lang}"] or row[f"name_{'th' if lang == 'en' else 'en'}"] or row["unit_id"])
    level = level_label(row["level"], lang)
    province = row[f"province_{lang}"]
    where = f", {province}" if row["level"] in ("zone", "mentor") and province else ""
    if lang == "en":
        if level.lower() in name.lower() and not where:
            return name
        return f"{name} ({level.lower()}{where})"
    prefix = "" if name.startswith(level) else level
    if row["level"] in ("zone", "mentor") and province:
        return f"{prefix}{name} ({province})"
    return f"{prefix}{name}"


def rule_text(params, lang: str = "en") -> str:
    """The scenario's rule in words, in `lang`."""
    within = params["policy.within_level"]
    return _say("rule", lang, region=_share(params["policy.region_share"], lang),
                group=_share(params["policy.province_group_share"], lang),
                mentor=_share(params["policy.mentor_share"], lang), s=f"{params['policy.zone_share']:.2f}",
                within=_WITHIN.get(within, (within, within))[0 if lang == "en" else 1])


def evaluate_allocation(problem: AllocationProblem, amounts_thb: pd.Series) -> dict[str, float]:
    """An allocation (e.g. the rule's) read on the problem's own value curves.

    A unit is funded when it gets at least its overhead; money above its cap and money to a
    unit below its overhead buy nothing. Returns gain_people, objective (gain plus capacity
    value and weighted goals), above_cap_thb and below_overhead_thb.
    """
    prep = prepare(problem)
    amounts = pd.Series(amounts_thb, dtype=float).reindex(prep.unit_ids).fillna(0.0).to_numpy()
    funded = (amounts >= prep.overhead - 0.5) & (prep.funded_mode != "no")
    z = np.where(funded, np.clip(amounts - prep.overhead, 0.0, prep.room), 0.0)
    return {
        "gain_people": float(curve_value(prep.seg_len, prep.seg_gain, z).sum()),
        "objective": float(curve_value(prep.seg_len, prep.seg_value, z).sum()),
        "above_cap_thb": float(np.where(funded, np.maximum(amounts - np.maximum(prep.cap, prep.overhead), 0.0),
                                        0.0).sum()),
        "below_overhead_thb": float(amounts[~funded].sum()),
    }


def plan_summary(result: AllocationResult, header: dict, rule_thb: pd.Series | None = None, *,
                 problem: AllocationProblem | None = None, lang: str = "en",
                 rule_words: str | None = None, most: int = 6) -> list[tuple[str, str]]:
    """The summary sheet in plain words, as ``(style, text)`` lines (see ``write_allocation``).

    What to do (split by level, the largest shifts from the rule), which constraints bind,
    what one more million baht would buy (the budget's shadow price, the value of one more
    baht, times a million) and why the objective differs from the expected gain. `problem`
    lets the rule be read on the same value curves; `rule_words` describes the rule.
    """
    labels = export_labels(lang)  # also checks lang
    units, cons, _ = allocation_to_frames(result, rule_thb)
    units = units.set_index("unit_id", drop=False)
    budget = float(header.get("budget_thb", result.budget_thb))
    year = header.get("year")
    year_text = format_year(year, lang, prefix=True) if year is not None else ""
    sheet_alloc, sheet_cons = labels["sheet:allocation"], labels["sheet:constraints"]
    out: list[tuple[str, str]] = []
    scenario = header.get("scenario") or ""
    out.append(("title", _say("title", lang, year=year_text, scenario=scenario_label(scenario, lang)).strip(" —")))
    out.append(("text", _say("intro", lang, budget=_thb(budget, lang), year=year_text,
                             replicate=header.get("replicate", 0), rule=rule_words or header.get("rule", "–"),
                             allocation=sheet_alloc, constraints=sheet_cons)))

    # 1. what to do
    out.append(("heading", _say("h_do", lang)))
    has_rule = rule_thb is not None
    by_level = units.groupby("level", sort=False)[["amount_thb", "rule_thb", "difference_thb"]].sum(min_count=1)
    order = [lv for lv in ("region", "province_group", "province", "zone", "mentor") if lv in by_level.index]
    parts = [_say("level_part", lang, level=level_label(lv, lang), amount=_thb(by_level.loc[lv, "amount_thb"], lang),
                  share=_share(by_level.loc[lv, "amount_thb"] / budget if budget > 0 else 0, lang))
             for lv in order if by_level.loc[lv, "amount_thb"] > 0]
    out.append(("text", _say("split", lang, allocation=sheet_alloc, levels=", ".join(parts))))
    if has_rule:
        changes = [f"{level_label(lv, lang)} {format_number(by_level.loc[lv, 'difference_thb'], 'thb', lang, signed=True)}"
                   for lv in order if abs(by_level.loc[lv, "difference_thb"]) >= 1]
        out.append(("text", _say("vs_rule_levels", lang, changes=", ".join(changes)) if changes
                    else _say("same_levels", lang)))
        diff = units["difference_thb"]
        more, less = int((diff >= 1).sum()), int((diff <= -1).sum())
        if more or less:
            out.append(("text", _say("counts", lang, more=more, less=less, same=len(units) - more - less)))
            ups = diff[diff >= 1].sort_values(ascending=False, kind="stable").index
            downs = diff[diff <= -1].sort_values(kind="stable").index
            half = most // 2  # the largest increases, then the largest cuts (where the money comes from)
            n_up = min(len(ups), max(half, most - len(downs)))
            top = list(ups[:n_up]) + list(downs[:most - n_up])
            for uid in top:
                row = units.loc[uid]
                key = "shift_more" if row["difference_thb"] > 0 else "shift_less"
                out.append(("item", _say(key, lang, name=_unit_label(row, lang), amount=_thb(row["amount_thb"], lang),
                                         diff=_thb(abs(row["difference_thb"]), lang),
                                         rule=_thb(row["rule_thb"], lang))))
        else:
            out.append(("text", _say("no_shift", lang)))
    unfunded = units[~units["funded"]]
    if problem is not None:  # leave out units the scenario never funds and the rule gives nothing
        mode = prepare(problem).units.set_index("unit_id")["funded"].reindex(unfunded.index)
        unfunded = unfunded[(mode != "no").to_numpy() | (unfunded["rule_thb"].fillna(0) > 0).to_numpy()]
    if len(unfunded):
        names = [_unit_label(r, lang) for _, r in unfunded.iterrows()]
        out.append(("text", _say("unfunded", lang, n=len(unfunded), names=_names(names, lang, most))))
    rule_eval = None
    if has_rule and problem is not None:
        rule_eval = evaluate_allocation(problem, rule_thb)
        d = result.gain_people - rule_eval["gain_people"]
        out.append(("text", _say("gain_vs_rule", lang, gain=_count(result.gain_people, lang),
                                 rule_gain=_count(rule_eval["gain_people"], lang), diff=_count(abs(d), lang),
                                 direction=_say("more" if d >= 0 else "fewer", lang))))
    else:
        out.append(("text", _say("gain", lang, gain=_count(result.gain_people, lang))))

    # 2. which constraints bind
    out.append(("heading", _say("h_bind", lang)))
    budget_row = cons[cons["group"] == "budget"].iloc[0]
    spent = float(units["amount_thb"].sum())
    if budget_row["binding"]:
        out.append(("text", _say("budget_binds", lang)))
    else:
        out.append(("text", _say("budget_slack", lang, slack=_thb(budget - spent, lang))))
    other = 0
    for row in cons[cons["binding"] & cons["group"].isin(["level_share", "equity"])].itertuples():
        per_million = _count(abs(row.shadow_price) * 1e6, lang)
        other += 1
        if row.group == "level_share":
            level = row.name.split("_", 2)[2]
            share = row.rhs / spent if spent > 0 else 0.0
            key = "share_min" if row.name.startswith("share_min") else "share_max"
            out.append(("text", _say(key, lang, share=_share(share, lang), level=level_label(level, lang).lower()
                                     if lang == "en" else level_label(level, lang), value=per_million)))
        else:
            code = row.name.rsplit("_", 1)[-1]
            low = "_low_" in row.name
            ratio = row.rhs / row.lhs if row.lhs else float("nan")  # binding: lhs == rhs, so read the problem
            if problem is not None and problem.equity_ratio is not None:
                ratio = problem.equity_ratio[0 if low else 1]
            out.append(("text", _say("equity_low" if low else "equity_high", lang, province=_province(code, lang),
                                     ratio=f"{ratio:.2f}", value=per_million)))
    floors = units[units["floor_binds"] & units["funded"]]
    if len(floors):
        other += 1
        out.append(("text", _say("floors", lang, n=len(floors),
                                 names=_names([_unit_label(r, lang) for _, r in floors.iterrows()], lang, most))))
    caps = units[units["cap_binds"]]
    if len(caps):
        other += 1
        out.append(("text", _say("caps", lang, n=len(caps),
                                 names=_names([_unit_label(r, lang) for _, r in caps.iterrows()], lang, most))))
    if not other:
        out.append(("text", _say("no_other", lang)))

    # 3. what one more million baht would buy
    out.append(("heading", _say("h_million", lang)))
    price = float(budget_row["shadow_price"])
    capacity = result.objective_terms.get("capacity_value", 0.0)
    if not budget_row["binding"]:
        out.append(("text", _say("million_nothing", lang, slack=_thb(budget - spent, lang))))
    elif price * 1e6 < 0.05:
        out.append(("text", _say("million_zero", lang)))
    else:
        out.append(("text", _say("million", lang, value=_count(price * 1e6, lang), price=f"{price:.6f}",
                                 capacity=_say("million_capacity", lang) if capacity > 0 else "")))
        open_units = units[units["funded"] & ~units["cap_binds"] & (units["marginal_value"] > 0)]
        best = open_units.sort_values("marginal_value", ascending=False, kind="stable").head(3)
        if len(best):
            names = [f"{_unit_label(r, lang)} {_count(r['people_per_million_thb'], lang)}" for _, r in best.iterrows()]
            out.append(("text", _say("million_goes", lang, names="; ".join(names))))

    # 4. objective and expected gain
    out.append(("heading", _say("h_objective", lang)))
    if int(header.get("horizon_years", 1)) > 1:  # the LP's curves are over its horizon, not one year
        out.append(("text", _say("units_horizon", lang, h=int(header["horizon_years"]),
                                 r=f"{100 * float(header.get('discount_rate', 0.0)):g}")))
    extra = []
    weights = {name: float(w) for name, (_, w) in (problem.extra_goals.items() if problem is not None else [])}
    for term, value in result.objective_terms.items():
        if term == "people_protected":
            continue
        if term.startswith("goal:"):
            if abs(weights.get(term[5:], 0.0) * value) >= 0.5:
                extra.append(_say("objective_goal", lang, value=_count(weights[term[5:]] * value, lang),
                                  goal=term[5:]))
        elif abs(value) >= 0.5:  # capacity value, value of funding zones, ...: counted as they are
            key = _OBJECTIVE_TERMS.get(term, "objective_other")
            extra.append(_say(key, lang, value=_count(value, lang), term=term.replace("_", " ")))
    if "curve sets" in result.status:  # a robust (CVaR or max-min) allocation: not the mean gain
        out.append(("text", _say("objective_guarded", lang, objective=_count(result.objective, lang),
                                 gain=_count(result.gain_people, lang))))
    elif abs(result.objective - result.gain_people) >= 0.5 and extra:
        joiner = " and " if lang == "en" else " และ"
        out.append(("text", _say("objective_differs", lang, objective=_count(result.objective, lang),
                                 gain=_count(result.gain_people, lang), extra=joiner.join(extra),
                                 diff=_count(result.objective - result.gain_people, lang))))
    else:
        out.append(("text", _say("objective_same", lang, gain=_count(result.gain_people, lang))))
    funded = units[units["funded"]]
    overhead = float(np.minimum(funded["floor_thb"], funded["amount_thb"]).sum())
    if overhead > 0:
        out.append(("text", _say("overheads", lang, overhead=_thb(overhead, lang),
                                 share=_share(overhead / spent if spent > 0 else 0, lang), n=len(funded),
                                 rest=_thb(spent - overhead, lang))))
    if rule_eval is not None and rule_eval["above_cap_thb"] >= 1:
        out.append(("text", _say("rule_above_cap", lang, value=_thb(rule_eval["above_cap_thb"], lang))))
    if rule_eval is not None and rule_eval["below_overhead_thb"] >= 1:
        short = units[(units["rule_thb"] > 0) & (units["rule_thb"] < units["floor_thb"] - 0.5)]
        names = _names([_unit_label(r, lang) for _, r in short.iterrows()], lang, most)
        out.append(("text", _say("rule_below_overhead", lang, value=_thb(rule_eval["below_overhead_thb"], lang),
                                 names=names)))
    out.append(("text", _say("caveat", lang)))
    return out


def plan_header(header: dict, *, lang: str = "en", rule_words: str | None = None,
                rule_gain_people: float | None = None) -> dict:
    """The details block of the workbook: the run's header, in `lang` where it is words."""
    out = dict(header)
    if lang == "th":  # replaces the exporter's English wording
        out["shadow_price_convention"] = "มูลค่าของงบประมาณเพิ่ม 1 บาทของขีดจำกัด (ด้านขวาของเงื่อนไข)"
    if out.get("scenario") and scenario_label(out["scenario"], lang) != out["scenario"]:
        out["scenario_title"] = scenario_label(out["scenario"], lang)
    if lang == "th" and {"replicate", "seed", "policy_until_then", "year"} <= set(header):
        out["state"] = _say("state", lang, replicate=header["replicate"], seed=header["seed"],
                            policy=header["policy_until_then"], year=format_year(header["year"], lang, prefix=True))
    if rule_words is not None:
        out["rule"] = rule_words
    if rule_gain_people is not None:
        out["rule_gain_people"] = rule_gain_people
    out["language"] = lang
    return out


def write_plan(result: AllocationResult, path: str | Path, *, header: dict, rule_thb: pd.Series | None = None,
               problem: AllocationProblem | None = None, params=None, lang: str = "en") -> list[Path]:
    """The planner's workbook (or CSV with its side file) in `lang`: summary first, the
    allocation beside the scenario's rule, the constraints (see :mod:`sim.allocation.export`).

    `rule_thb` is :func:`rule_allocation`'s money per unit, `problem` the allocation problem
    (to read the rule on the same curves), `params` the scenario's parameters (to word the
    rule in `lang`).
    """
    rule_words = rule_text(params, lang) if params is not None else header.get("rule")
    rule_gain = None
    if rule_thb is not None and problem is not None:
        rule_gain = evaluate_allocation(problem, rule_thb)["gain_people"]
    summary = plan_summary(result, header, rule_thb, problem=problem, lang=lang, rule_words=rule_words)
    details = plan_header(header, lang=lang, rule_words=rule_words, rule_gain_people=rule_gain)
    return write_allocation(result, path, header=details, rule_thb=rule_thb, labels=export_labels(lang),
                            summary=summary, lang=lang)
