"""Words and numbers on figures, in English and Thai (GLOSSARY.md).

Thai planners read Thai terms and Buddhist Era years (พ.ศ. = C.E. + 543), so every label a
figure or notebook shows comes from here, in both languages, instead of being typed into each
plot. Unknown names fall back to the name itself, so a new metric or scenario still gets a
readable (if plain) label.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sim.errors import SimError

LANGS = ("en", "th")
BE_OFFSET = 543
PARAMETER_FILE = "sim/data/parameters.toml"


@dataclass(frozen=True)
class Metric:
    """A summary metric: its name and unit in both languages, and how to print it.

    `kind` is one of count, share, thb, ratio, index; `better` is +1 when more is better,
    -1 when less is better, 0 when neither.
    """

    en: str
    th: str
    unit_en: str
    unit_th: str
    kind: str = "count"
    better: int = 0


METRICS: dict[str, Metric] = {
    "person_years_protected": Metric("Person-years protected (discounted)", "คน-ปีที่ได้รับความคุ้มครอง (คิดลด)",
                                     "person-years", "คน-ปี", "count", 1),
    "people_protected": Metric("People protected", "ผู้ได้รับความคุ้มครอง", "people", "คน", "count", 1),
    "members": Metric("Members", "สมาชิก", "people", "คน", "count", 1),
    "members_eligible": Metric("Members past the waiting period", "สมาชิกที่พ้นระยะรอสิทธิ์",
                               "people", "คน", "count", 1),
    "population": Metric("Population", "ประชากร", "people", "คน"),
    "coverage": Metric("Coverage (members / population)", "ความครอบคลุม (สมาชิก / ประชากร)",
                       "%", "%", "share", 1),
    "funds_founded": Metric("Funds founded", "กองทุนที่จัดตั้งแล้ว", "funds", "กองทุน", "count", 1),
    "funds_active": Metric("Active funds", "กองทุนที่ดำเนินการอยู่", "funds", "กองทุน", "count", 1),
    "funds_strong": Metric("Strong funds", "กองทุนเข้มแข็ง", "funds", "กองทุน", "count", 1),
    "funds_normal": Metric("Normal funds", "กองทุนปกติ", "funds", "กองทุน", "count", 0),
    "funds_weak": Metric("Weak funds", "กองทุนอ่อนแอ", "funds", "กองทุน", "count", -1),
    "funds_dormant": Metric("Dormant funds", "กองทุนหยุดดำเนินการ", "funds", "กองทุน", "count", -1),
    "funds_new": Metric("Funds founded this year", "กองทุนจัดตั้งใหม่ในปี", "funds", "กองทุน",
                        "count", 1),
    "funds_revived": Metric("Funds revived this year", "กองทุนที่ฟื้นฟูกลับมาในปี", "funds", "กองทุน",
                            "count", 1),
    "insolvency_events": Metric("Insolvency events", "ครั้งที่กองทุนจ่ายสวัสดิการไม่ได้", "events",
                                "ครั้ง", "count", -1),
    "median_reserve_ratio": Metric("Median reserve ratio", "อัตราเงินกองทุนต่อสวัสดิการ (มัธยฐาน)",
                                   "years of benefits", "ปี", "ratio", 1),
    "non_members_helped": Metric("Non-members helped", "ผู้ที่ไม่ใช่สมาชิกที่ได้รับความช่วยเหลือ",
                                 "people", "คน", "count", 1),
    "reserves_thb": Metric("Fund money (reserves)", "เงินกองทุน", "THB", "บาท", "thb", 1),
    "benefits_paid_thb": Metric("Welfare benefits paid", "เงินสวัสดิการที่จ่าย", "THB per year",
                                "บาทต่อปี", "thb"),
    "contributions_thb": Metric("Member savings", "เงินสัจจะ", "THB per year", "บาทต่อปี", "thb"),
    "dev_budget_thb": Metric("Development budget", "งบประมาณพัฒนา", "THB per year", "บาทต่อปี",
                             "thb"),
    "dev_overhead_thb": Metric("Overhead of the units", "ค่าบริหารจัดการกลไก", "THB per year",
                               "บาทต่อปี", "thb", -1),
    "dev_effort_thb": Metric("Development effort", "งบที่ใช้ในงานพัฒนา", "THB per year",
                             "บาทต่อปี", "thb", 1),
    "matching_thb": Metric("Matching grant", "งบสมทบ", "THB per year", "บาทต่อปี", "thb"),
    "coverage_gini_province": Metric("Gini of coverage across provinces",
                                     "ค่าจีนีของความครอบคลุมระหว่างจังหวัด", "index 0-1", "ดัชนี 0-1",
                                     "index", -1),
    "coverage_theil_province": Metric("Theil index of coverage across provinces",
                                      "ดัชนีไทล์ของความครอบคลุมระหว่างจังหวัด", "index", "ดัชนี",
                                      "index", -1),
    "coverage_gini_zone": Metric("Gini of coverage across zones", "ค่าจีนีของความครอบคลุมระหว่างโซน",
                                 "index 0-1", "ดัชนี 0-1", "index", -1),
    "alloc_per_capita_max_min": Metric("Allocation per person, highest / lowest province",
                                       "งบต่อหัว จังหวัดสูงสุด / ต่ำสุด", "ratio", "เท่า",
                                       "ratio", -1),
    "survival_5y_new_funds": Metric("5-year survival of new funds", "อัตราอยู่รอด 5 ปีของกองทุนใหม่",
                                    "%", "%", "share", 1),
    # per-province metrics of the tile map (from fund_years)
    "weak_or_dormant_share": Metric("Funds weak or dormant", "กองทุนอ่อนแอหรือหยุดดำเนินการ",
                                    "% of funds", "% ของกองทุน", "share", -1),
    "reserves_per_member_thb": Metric("Fund money per member", "เงินกองทุนต่อสมาชิก", "THB",
                                      "บาท", "thb", 1),
}

STATUSES = {
    "strong": ("strong", "เข้มแข็ง"),
    "normal": ("normal", "ปกติ"),
    "weak": ("weak", "อ่อนแอ"),
    "dormant": ("dormant", "หยุดดำเนินการ"),
    "unfounded": ("no fund yet", "ยังไม่จัดตั้งกองทุน"),
}

LEVELS = {
    "region": ("Region", "ภาค"),
    "province_group": ("Province group", "กลุ่มจังหวัด"),
    "province": ("Province", "จังหวัด"),
    "zone": ("Zone", "โซน"),
    "mentor": ("Mentor fund", "กองทุนพี่เลี้ยง"),
    "subdistrict": ("Sub-district", "ตำบล"),
    "district": ("District", "อำเภอ"),
}

# Thai names carry Buddhist Era years.
SCENARIOS = {
    "baseline": ("Baseline (all money through zones)", "ฉากทัศน์ฐาน (งบทั้งหมดผ่านโซน)"),
    "province_2021": ("Province practice (2021)", "จัดสรรผ่านจังหวัด (พ.ศ. 2564)"),
    "zone_pilot_2022": ("Zone pilot (2022)", "นำร่องโซน (พ.ศ. 2565)"),
    "zone_all_2023": ("Every zone funded (2023)", "ทุกโซนได้รับงบ (พ.ศ. 2566)"),
    "codi_2022_2024": ("CODI 2022-2024 (pilot, then all zones)",
                       "พอช. พ.ศ. 2565-2567 (นำร่อง แล้วทุกโซน)"),
    "lp_optimal": ("LP allocation (closed loop)", "จัดสรรด้วยแบบจำลองเชิงเส้น (LP)"),
    "history_2010": ("National history 2010-2023", "ประวัติทั้งประเทศ พ.ศ. 2553-2566"),
    "__zero_budget__": ("No development budget", "ไม่มีงบประมาณพัฒนา"),
    # the decision study's policies (scenarios/studies/decide.toml)
    "zones_s025": ("Every zone, zones get 25%", "ทุกโซน โซนได้ 25%"),
    "zones_s050": ("Every zone, zones get 50%", "ทุกโซน โซนได้ 50%"),
    "zones_s075": ("Every zone, zones get 75%", "ทุกโซน โซนได้ 75%"),
    "zones_s100": ("Every zone, zones get all", "ทุกโซน งบทั้งหมดผ่านโซน"),
    "fewer_zones": ("Fewer, larger zones", "โซนน้อยลงแต่ใหญ่ขึ้น"),
}

PARAMETERS = {
    "policy.zone_share": ("Zone share s (zones' share of province + zone money)",
                          "สัดส่วนงบผ่านโซน s (ของงบจังหวัดรวมโซน)"),
    "policy.region_share": ("Region's share of the budget", "สัดส่วนงบระดับภาค"),
    "zones.target_size": ("Sub-districts per zone", "จำนวนตำบลต่อโซน"),
    "targeting.noise.zone": ("Zone's error in seeing need (log-sd)",
                             "ความคลาดเคลื่อนของโซนในการมองเห็นความต้องการ"),
    "targeting.noise.province": ("Province's error in seeing need (log-sd)",
                                 "ความคลาดเคลื่อนของจังหวัดในการมองเห็นความต้องการ"),
    "units.overhead_thb.zone": ("Zone overhead (THB per year)", "ค่าบริหารจัดการกลไกโซน (บาทต่อปี)"),
    "units.efficiency.zone": ("Zone efficiency (effort per THB)", "ประสิทธิภาพของโซน"),
    "units.zone_capacity.growth": ("Growth of zone capacity per funded year",
                                   "การเติบโตของศักยภาพกลไกโซนต่อปี"),
    "effects.scale_thb": ("Effort for 63% of the full effect (THB per sub-district)",
                          "งบพัฒนาที่ได้ผล 63% (บาทต่อตำบล)"),
    "effects.governance_gain": ("Governance gain at full effect", "การพัฒนาระบบบริหารจัดการเต็มที่"),
    "budget.development_thb_per_year": ("Development budget (THB per year)",
                                        "งบประมาณพัฒนา (บาทต่อปี)"),
    "units.overhead_thb.province": ("Province overhead (THB per year)",
                                    "ค่าบริหารจัดการกลไกจังหวัด (บาทต่อปี)"),
    "targeting.noise.region": ("Region's error in seeing need (log-sd)",
                               "ความคลาดเคลื่อนของภาคในการมองเห็นความต้องการ"),
    "units.efficiency.region": ("Region efficiency (effort per THB)", "ประสิทธิภาพของภาค"),
    "units.efficiency.province": ("Province efficiency (effort per THB)", "ประสิทธิภาพของจังหวัด"),
    "units.zone_capacity.start": ("Starting capacity of a new zone", "ศักยภาพเริ่มต้นของกลไกโซนใหม่"),
    "units.zone_capacity.decay": ("Loss of zone capacity per unfunded year",
                                  "การลดลงของศักยภาพกลไกโซนต่อปีที่ไม่ได้รับงบ"),
    "units.absorptive_thb_per_subdistrict": ("Absorptive capacity (THB per sub-district per year)",
                                             "ขีดความสามารถในการใช้งบ (บาทต่อตำบลต่อปี)"),
}

TEXT = {
    # the decision study (sim/report/plots/decision.py)
    "regret_title": ("Regret across {n} plausible worlds: the gap to each world's best policy",
                     "ค่าความเสียดาย (regret) ใน {n} โลกที่เป็นไปได้: ส่วนที่ด้อยกว่านโยบายที่ดีที่สุดของแต่ละโลก"),
    "regret_axis": ("Regret (% of the best policy's gain over no budget)",
                    "ค่าความเสียดาย (% ของผลของนโยบายที่ดีที่สุดเทียบกับไม่มีงบพัฒนา)"),
    "regret_note": ("Box: middle half of the worlds; whiskers: 5th to 95th percentile; diamond: 90th "
                    "percentile; cross: maximum. Each world draws the uncertain coefficients from their "
                    "bands; every policy runs on the same random numbers.",
                    "กล่อง: ครึ่งกลางของโลกที่เป็นไปได้; เส้น: เปอร์เซ็นไทล์ที่ 5 ถึง 95; เพชร: เปอร์เซ็นไทล์ที่ 90; "
                    "กากบาท: ค่าสูงสุด แต่ละโลกสุ่มค่าสัมประสิทธิ์ที่ไม่แน่นอนจากช่วงที่เป็นไปได้ "
                    "ทุกนโยบายใช้ตัวเลขสุ่มชุดเดียวกัน"),
    "evppi_title": ("What to measure first: the value of knowing one coefficient exactly",
                    "ควรวัดอะไรก่อน: มูลค่าของการรู้ค่าสัมประสิทธิ์หนึ่งค่าอย่างแม่นยำ"),
    "evppi_axis": ("EVPPI (discounted person-years protected)",
                   "EVPPI (คน-ปีที่ได้รับความคุ้มครอง คิดลด)"),
    "evppi_note": ("Bar: the expected gain from choosing the policy after learning the coefficient "
                   "exactly (EVPPI); whisker: 95% bootstrap interval; hollow dot: the same with the "
                   "coefficient's band halved.",
                   "แท่ง: ผลที่คาดว่าจะได้เพิ่มจากการเลือกนโยบายหลังรู้ค่าสัมประสิทธิ์อย่างแม่นยำ (EVPPI); "
                   "เส้น: ช่วงความเชื่อมั่น 95% จาก bootstrap; จุดกลวง: เมื่อช่วงของค่าสัมประสิทธิ์แคบลงครึ่งหนึ่ง"),
    "frontier_title": ("Where zones win", "โซนได้ผลดีกว่าเมื่อใด"),
    "zones_win": ("zones win", "โซนดีกว่า"),
    "zones_do_not_win": ("zones do not win", "โซนไม่ดีกว่า"),
    "frontier": ("frontier (smoothed)", "เส้นแบ่ง (ปรับเรียบ)"),
    "prim_box": ("PRIM box {k}", "กล่อง PRIM {k}"),
    "frontier_note": ("Each point is a world. Zones win when the best zone policy beats the province "
                      "practice by more than {margin} of the best policy's gain over no budget. Line: "
                      "where that advantage, averaged over the other coefficients, crosses the margin.",
                      "แต่ละจุดคือหนึ่งโลกที่เป็นไปได้ โซนดีกว่าเมื่อนโยบายโซนที่ดีที่สุดได้ผลเหนือการจัดสรรผ่านจังหวัด"
                      "เกิน {margin} ของผลของนโยบายที่ดีที่สุดเทียบกับไม่มีงบพัฒนา เส้น: จุดที่ผลต่างดังกล่าว "
                      "(เฉลี่ยเหนือค่าสัมประสิทธิ์อื่น) เท่ากับเกณฑ์"),
    "worlds": ("{n} worlds", "{n} โลกที่เป็นไปได้"),
    "advantage_axis": ("Zones' advantage beyond the margin (person-years, smoothed)",
                       "ผลได้ของโซนเหนือเกณฑ์ (คน-ปี ปรับเรียบ)"),
    "year": ("Year", "ปี พ.ศ."),
    "zone_share": ("Zone share s", "สัดส่วนงบผ่านโซน s"),
    "province": ("Province", "จังหวัด"),
    "zone": ("Zone", "โซน"),
    "scenario": ("Scenario", "ฉากทัศน์"),
    "median": ("median", "ค่ามัธยฐาน"),
    "band50": ("50% of replicates", "50% ของการจำลองซ้ำ"),
    "band90": ("90% of replicates", "90% ของการจำลองซ้ำ"),
    "mean": ("mean", "ค่าเฉลี่ย"),
    "ci95": ("95% confidence interval", "ช่วงความเชื่อมั่น 95%"),
    "replicate_values": ("single replicates", "ผลการจำลองแต่ละครั้ง"),
    "difference": ("Difference from", "ผลต่างจาก"),
    "paired_difference": ("Paired difference from s = {s}", "ผลต่างแบบจับคู่จาก s = {s}"),
    "no_data": ("no data", "ไม่มีข้อมูล"),
    "recommended": ("Recommended (LP)", "ข้อเสนอ (LP)"),
    "rule_2023": ("2023 rule", "หลักเกณฑ์ปี 2566"),
    "allocation_mthb": ("Allocation (million THB)", "งบประมาณที่จัดสรร (ล้านบาท)"),
    "parameter": ("Parameter", "พารามิเตอร์"),
    "sensitivity_index": ("Sensitivity index", "ดัชนีความไว"),
    "s1": ("first order S1", "อันดับหนึ่ง S1"),
    "st": ("total order ST", "รวม ST"),
    "mu_star": ("Morris μ*", "Morris μ*"),
    "unreliable": ("Hatched: unreliable (sample too small, or interval wider than the index).",
                   "ลายเส้น: ไม่น่าเชื่อถือ (ตัวอย่างน้อยเกินไปหรือช่วงกว้างกว่าค่าดัชนี)"),
    "whiskers": ("Whiskers: 95% confidence interval.", "เส้นขีด: ช่วงความเชื่อมั่น 95%"),
    "source": ("Source: welfare-sim simulation{what}; parameters {params}.",
               "ที่มา: แบบจำลอง welfare-sim{what}; พารามิเตอร์ {params}"),
    "scenario_word": ("scenario", "ฉากทัศน์"),
    "scenarios_word": ("scenarios", "ฉากทัศน์"),
    "replicates": ("{n} replicates", "จำลองซ้ำ {n} ครั้ง"),
    "replicate_one": ("1 replicate", "จำลอง 1 ครั้ง"),
    "common_random": ("common random numbers", "ใช้ตัวเลขสุ่มชุดเดียวกัน"),
    "fan_note": ("Line: median over replicates; bands: middle 50% and 90%.",
                 "เส้น: ค่ามัธยฐาน; แถบ: ช่วงกลาง 50% และ 90% ของการจำลองซ้ำ"),
    "fan_note_few": ("Thick line: median; thin lines: each of the {n} replicates (bands need at least "
                     "{least} replicates).",
                     "เส้นหนา: ค่ามัธยฐาน; เส้นบาง: การจำลองซ้ำแต่ละครั้ง ({n} ครั้ง) "
                     "(แถบต้องใช้การจำลองซ้ำอย่างน้อย {least} ครั้ง)"),
    "over_time": ("{metric} over time", "{metric} ตามช่วงเวลา"),
    "funds_by_status": ("Funds by status", "กองทุนจำแนกตามสถานะ"),
    "horizon_title": ("Difference from {base} against the horizon (95% CI)",
                      "ผลต่างจาก {base} ตามช่วงเวลาที่พิจารณา (ช่วงความเชื่อมั่น 95%)"),
    "horizon_axis": ("Horizon: last year counted", "ปีสุดท้ายที่นับรวม"),
    "horizon_cumulative": ("Over the horizon: person-years protected (discounted)",
                           "รวมทั้งช่วง: คน-ปีที่ได้รับความคุ้มครอง (คิดลด)"),
    "horizon_yearly": ("That year alone: people protected", "เฉพาะปีนั้น: ผู้ได้รับความคุ้มครอง"),
    "horizon_note": ("Line: mean paired difference over replicates; band: 95% CI. A scenario pays back from the "
                     "year its cumulative line stays above zero.",
                     "เส้น: ผลต่างเฉลี่ยแบบจับคู่; แถบ: ช่วงความเชื่อมั่น 95% คืนทุนตั้งแต่ปีที่เส้นสะสมอยู่เหนือศูนย์ตลอด"),
    "differences_title": ("Paired differences from {base}, {year} (95% CI)",
                          "ผลต่างแบบจับคู่จาก {base} ปี {year} (ช่วงความเชื่อมั่น 95%)"),
    "differences_note": ("Dot: mean difference over replicates; whisker: 95% CI; hollow dot: the "
                         "interval includes zero.",
                         "จุด: ผลต่างเฉลี่ย; เส้น: ช่วงความเชื่อมั่น 95%; จุดกลวง: ช่วงครอบคลุมศูนย์"),
    "zone_share_title": ("{metric} in {year} by zone share", "{metric} ปี {year} ตามสัดส่วนงบผ่านโซน"),
    "zone_share_note": ("s: the zones' share of the money that goes to province and zone level together "
                        "(0 = the province practice, 1 = all of it through zones). Band: 95% confidence "
                        "interval of the mean over replicates.",
                        "s: สัดส่วนของงบระดับจังหวัดรวมโซนที่ผ่านโซน (0 = จัดสรรผ่านจังหวัด, 1 = ผ่านโซนทั้งหมด) "
                        "แถบ: ช่วงความเชื่อมั่น 95% ของค่าเฉลี่ย"),
    "highest": ("highest mean at s = {s}", "ค่าเฉลี่ยสูงสุดที่ s = {s}"),
    "lowest": ("lowest mean at s = {s}", "ค่าเฉลี่ยต่ำสุดที่ s = {s}"),
    "heatmap_title": ("{metric} in {year}: mean over replicates",
                      "{metric} ปี {year}: ค่าเฉลี่ยของการจำลองซ้ำ"),
    "sobol_title": ("Which parameters matter for {metric}", "พารามิเตอร์ใดมีผลต่อ{metric}"),
    "allocation_title": ("Allocation{year}: recommended vs 2023 rule",
                         "การจัดสรรงบประมาณ{year}: ข้อเสนอเทียบหลักเกณฑ์ปี 2566"),
    "allocation_title_plain": ("Recommended allocation{year}", "การจัดสรรงบประมาณที่เสนอ{year}"),
    "by_province": ("By province (province committee + its zones + mentor funds)",
                    "รายจังหวัด (กลไกจังหวัด + โซน + กองทุนพี่เลี้ยง)"),
    "by_zone": ("By zone", "รายโซน"),
    "region_line": ("Region level: {rec} recommended, {rule} under the rule.",
                    "ระดับภาค: ข้อเสนอ {rec} หลักเกณฑ์ {rule}"),
    "region_line_plain": ("Region level: {rec}.", "ระดับภาค: {rec}"),
    "allocation_source": ("LP recommendation from the simulated state, {what}",
                          "ข้อเสนอจากแบบจำลองเชิงเส้นบนสถานะที่จำลอง, {what}"),
    "tile_note": ("Tiles placed roughly where each province lies (north at the top).",
                  "ตำแหน่งช่องโดยประมาณตามที่ตั้งจังหวัด (ทิศเหนืออยู่ด้านบน)"),
    "million": ("M", "ล้าน"),
    "thb": ("THB", "บาท"),
    "people_per_million": ("people per million THB", "คนต่อล้านบาท"),
}


# Headers and fixed words of the allocation workbook and CSV (`welfare-sim allocate --lang`),
# keyed as sim.allocation.export expects: column keys, "sheet:", "level:", "group:", "sense:",
# "word:", "heading:" and "meta:" (the details block). Units stand in the column names.
EXPORT = {
    # allocation sheet
    "level": ("level", "ระดับ"),
    "province": ("province", "จังหวัด"),
    "name": ("name", "ชื่อหน่วย"),
    "name_other": ("name (Thai)", "ชื่อหน่วย (อังกฤษ)"),
    "name_th": ("name (Thai)", "ชื่อหน่วย (ไทย)"),
    "name_en": ("name (English)", "ชื่อหน่วย (อังกฤษ)"),
    "unit_id": ("unit ID", "รหัสหน่วย"),
    "province_code": ("province code", "รหัสจังหวัด"),
    "funded": ("funded", "ได้รับงบ"),
    "amount_thb": ("allocation (THB)", "งบที่จัดสรร (บาท)"),
    "rule_thb": ("scenario's rule (THB)", "ตามหลักเกณฑ์ของฉากทัศน์ (บาท)"),
    "difference_thb": ("difference from the rule (THB)", "ผลต่างจากหลักเกณฑ์ (บาท)"),
    "per_capita_thb": ("allocation per person (THB per person)", "งบต่อหัวประชากร (บาทต่อคน)"),
    "population": ("population (people)", "ประชากร (คน)"),
    "floor_thb": ("floor = overhead (THB)", "ขั้นต่ำ = ค่าบริหารจัดการกลไก (บาท)"),
    "cap_thb": ("cap = absorptive capacity (THB)", "เพดาน = งบที่ใช้ได้เต็มที่ (บาท)"),
    "floor_binds": ("held at floor", "อยู่ที่ขั้นต่ำ"),
    "cap_binds": ("held at cap", "อยู่ที่เพดาน"),
    "people_per_million_thb": ("value of one more million THB here (people protected per million THB)",
                               "มูลค่าของงบเพิ่ม 1 ล้านบาทที่หน่วยนี้ (ผู้ได้รับความคุ้มครอง คนต่อล้านบาท)"),
    "marginal_value": ("value of one more baht here (people protected per THB)",
                       "มูลค่าของงบเพิ่ม 1 บาทที่หน่วยนี้ (คนต่อบาท)"),
    "share_of_budget": ("share of the budget (%)", "สัดส่วนของงบประมาณ (%)"),
    # constraints sheet
    "constraint_name": ("constraint", "เงื่อนไข"),
    "group": ("kind", "ประเภท"),
    "sense": ("sense", "ลักษณะ"),
    "constraint_unit_name": ("unit", "หน่วย"),
    "lhs": ("value (THB)", "ค่าที่ได้ (บาท)"),
    "rhs": ("limit (THB)", "ขีดจำกัด (บาท)"),
    "slack": ("slack (THB)", "ส่วนที่ยังเหลือ (บาท)"),
    "binding": ("binding", "เป็นข้อจำกัด"),
    "shadow_price_per_million": ("shadow price: value of one more million THB of the limit "
                                 "(people protected per million THB)",
                                 "มูลค่าของงบประมาณเพิ่ม 1 ล้านบาทของขีดจำกัด "
                                 "(ผู้ได้รับความคุ้มครอง คนต่อล้านบาท)"),
    "shadow_price": ("shadow price: value of one more THB of the limit (people protected per THB)",
                     "มูลค่าของงบประมาณเพิ่ม 1 บาทของขีดจำกัด (คนต่อบาท)"),
    "group:budget": ("budget", "งบประมาณรวม"),
    "group:level_share": ("level share", "สัดส่วนงบของระดับ"),
    "group:equity": ("equity between provinces", "ความเป็นธรรมระหว่างจังหวัด"),
    "group:floor": ("floor (overhead)", "ขั้นต่ำ (ค่าบริหารจัดการกลไก)"),
    "group:cap": ("cap (absorptive capacity)", "เพดาน (งบที่ใช้ได้เต็มที่)"),
    "sense:>=": ("at least", "อย่างน้อย"),
    "sense:<=": ("at most", "ไม่เกิน"),
    "sense:=": ("exactly", "เท่ากับ"),
    # sheets, words, headings
    "sheet:summary": ("summary", "สรุป"),
    "sheet:allocation": ("allocation", "การจัดสรรงบประมาณ"),
    "sheet:constraints": ("constraints", "เงื่อนไข"),
    "word:yes": ("yes", "ใช่"),
    "word:no": ("no", "ไม่ใช่"),
    "word:total_level": ("total: {level}", "รวม{level}"),
    "word:grand_total": ("grand total", "รวมทั้งสิ้น"),
    "word:grand_total_budget": ("grand total (budget {budget} THB)", "รวมทั้งสิ้น (งบประมาณ {budget} บาท)"),
    "heading:by_level": ("Money by level", "งบประมาณรายระดับ"),
    "heading:details": ("Details of the run", "รายละเอียดการคำนวณ"),
    # details block of the summary sheet
    "meta:scenario": ("scenario", "ฉากทัศน์"),
    "meta:scenario_title": ("scenario (name)", "ชื่อฉากทัศน์"),
    "meta:year": ("year (C.E.)", "ปี ค.ศ."),
    "meta:year_be": ("year (B.E.)", "ปี พ.ศ."),
    "meta:budget_thb": ("budget (THB)", "งบประมาณพัฒนา (บาท)"),
    "meta:spent_thb": ("allocated (THB)", "จัดสรรแล้ว (บาท)"),
    "meta:objective": ("objective (people protected, incl. capacity value)",
                       "ค่าเป้าหมาย (ผู้ได้รับความคุ้มครอง รวมมูลค่าศักยภาพ)"),
    "meta:objective_people_protected": ("of which people protected", "ในนั้น ผู้ได้รับความคุ้มครอง"),
    "meta:gain_people": ("expected gain (people protected)", "ผลที่คาดว่าจะได้ (ผู้ได้รับความคุ้มครอง คน)"),
    "meta:objective_capacity_value": ("of which zone capacity value (people protected later)",
                                      "ในนั้น มูลค่าศักยภาพกลไกโซน (ผู้ได้รับความคุ้มครองในปีต่อไป)"),
    "meta:objective_funding_value": ("of which value of funding zones (people protected later)",
                                     "ในนั้น มูลค่าของการให้งบโซน (ผู้ได้รับความคุ้มครองในปีต่อไป)"),
    "meta:rule": ("scenario's rule compared", "หลักเกณฑ์ที่ใช้เปรียบเทียบ"),
    "meta:rule_gain_people": ("expected gain under the rule (people protected)",
                              "ผลที่คาดว่าจะได้ตามหลักเกณฑ์ (คน)"),
    "meta:state": ("state allocated from", "สถานะที่ใช้คำนวณ"),
    "meta:replicate": ("simulated replicate", "การจำลองครั้งที่"),
    "meta:seed": ("seed", "seed"),
    "meta:policy_until_then": ("scenario policy until then", "นโยบายของฉากทัศน์จนถึงปีนั้น"),
    "meta:allocation": ("allocation", "การจัดสรร"),
    "meta:solver": ("solver", "โปรแกรมคำนวณ"),
    "meta:status": ("status", "สถานะการคำนวณ"),
    "meta:solve_seconds": ("solve time (seconds)", "เวลาคำนวณ (วินาที)"),
    "meta:shadow_price_convention": ("shadow prices", "มูลค่าเงา"),
    "meta:package_version": ("welfare-sim version", "รุ่นของ welfare-sim"),
    "meta:language": ("language", "ภาษา"),
}
EXPORT.update({"level:" + level: names for level, names in LEVELS.items()})


def _check_lang(lang: str) -> int:
    if lang not in LANGS:
        raise SimError(f"unknown language {lang!r}; choose en or th", where="lang")
    return LANGS.index(lang)


def text(key: str, lang: str = "en", **values: object) -> str:
    """A phrase in `lang`, with {placeholders} filled from `values`."""
    i = _check_lang(lang)
    phrase = TEXT[key][i] if key in TEXT else key
    return phrase.format(**values) if values else phrase


def metric_name(metric: str, lang: str = "en") -> str:
    """The metric's name without its unit, e.g. "People protected"."""
    i = _check_lang(lang)
    m = METRICS.get(metric)
    return metric.replace("_", " ") if m is None else (m.en, m.th)[i]


def metric_unit(metric: str, lang: str = "en") -> str:
    """The metric's unit ("people", "THB per year"); empty for unknown metrics."""
    i = _check_lang(lang)
    m = METRICS.get(metric)
    return "" if m is None else (m.unit_en, m.unit_th)[i]


def metric_label(metric: str, lang: str = "en") -> str:
    """An axis title: the metric's name with its unit, e.g. "People protected (people)"."""
    unit = metric_unit(metric, lang)
    name = metric_name(metric, lang)
    return f"{name} ({unit})" if unit and unit not in name else name


def metric_kind(metric: str) -> str:
    """How to print the metric: count, share, thb, ratio or index."""
    m = METRICS.get(metric)
    return "count" if m is None else m.kind


def metric_better(metric: str) -> int:
    """+1 if more is better, -1 if less is better, 0 if neither (marks the best point)."""
    m = METRICS.get(metric)
    return 0 if m is None else m.better


def status_label(status: str, lang: str = "en") -> str:
    """A fund status (strong, normal, weak, dormant) in `lang`."""
    i = _check_lang(lang)
    return STATUSES[status][i] if status in STATUSES else status


def level_label(level: str, lang: str = "en") -> str:
    """A unit level (region, province, zone ...) in `lang`."""
    i = _check_lang(lang)
    return LEVELS[level][i] if level in LEVELS else level


def scenario_label(name: str, lang: str = "en") -> str:
    """A scenario's display name (Thai with B.E. years); unknown names are shown as given."""
    i = _check_lang(lang)
    return SCENARIOS[name][i] if name in SCENARIOS else name


def parameter_label(path: str, lang: str = "en") -> str:
    """A readable name for a parameter path (the path itself when none is written)."""
    i = _check_lang(lang)
    return PARAMETERS[path][i] if path in PARAMETERS else path


def export_labels(lang: str = "en") -> dict[str, str]:
    """Headers and words of the allocation workbook in `lang` (the `labels` of
    :func:`sim.allocation.export.write_allocation`); in Thai the other name column is English."""
    i = _check_lang(lang)
    return {key: pair[i] for key, pair in EXPORT.items()}


def be_year(year: int) -> int:
    """Buddhist Era year of a C.E. year (2023 -> 2566)."""
    return int(year) + BE_OFFSET


def format_year(year: int | float, lang: str = "en", *, prefix: bool = False) -> str:
    """A year as a reader of `lang` writes it: C.E. in English, B.E. (พ.ศ.) in Thai."""
    _check_lang(lang)
    y = int(round(float(year)))
    if lang == "th":
        return f"พ.ศ. {be_year(y)}" if prefix else str(be_year(y))
    return f"{y}"


def format_number(value: float | int | None, kind: str = "count", lang: str = "en", *,
                  compact: bool = False, signed: bool = False, digits: int | None = None) -> str:
    """A number for a figure: thousands separators, shares as %, baht (compact: millions).

    `kind` is count, share, thb, ratio or index (see :class:`Metric`); `signed` adds "+" to
    positive numbers (differences).
    """
    _check_lang(lang)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    v = float(value)
    sign = "+" if signed else ""
    if kind == "share":
        d = 1 if digits is None else digits
        return f"{v * 100:{sign},.{d}f}%"
    if kind == "thb":
        if compact and abs(v) >= 1e6:
            d = 1 if digits is None else digits
            unit = "M THB" if lang == "en" else "ล้านบาท"
            return f"{v / 1e6:{sign},.{d}f} {unit}"
        d = 0 if digits is None else digits
        return f"{v:{sign},.{d}f} " + ("THB" if lang == "en" else "บาท")
    if kind in ("ratio", "index"):
        d = (2 if kind == "ratio" else 3) if digits is None else digits
        return f"{v:{sign},.{d}f}"
    if compact and abs(v) >= 1e6:
        return f"{v / 1e6:{sign},.2f} {text('million', lang)}"
    d = 0 if digits is None else digits
    return f"{v:{sign},.{d}f}"


def format_metric(value: float | int | None, metric: str, lang: str = "en", **kwargs) -> str:
    """A value of `metric` formatted by its kind."""
    return format_number(value, metric_kind(metric), lang, **kwargs)


def source_caption(lang: str = "en", *, scenarios: list[str] | tuple[str, ...] | str | None = None,
                   replicates: int | None = None, extra: str | None = None) -> str:
    """The data-source line every figure carries."""
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    scenarios = list(scenarios or [])
    parts = []
    if scenarios:
        word = text("scenario_word" if len(scenarios) == 1 else "scenarios_word", lang)
        parts.append(f"{word} {', '.join(scenarios)}")
    if replicates:
        parts.append(text("replicates", lang, n=replicates) if replicates != 1 else text("replicate_one", lang))
    if extra:
        parts.append(extra)
    what = (", " + "; ".join(parts)) if parts else ""
    return text("source", lang, what=what, params=PARAMETER_FILE)


@cache
def _province_rows() -> dict[str, tuple[str, str]]:
    path = Path(__file__).resolve().parents[1] / "data" / "isan_provinces.csv"
    with open(path, encoding="utf-8") as handle:
        return {row["code"].removeprefix("TH-"): (row["name_en"], row["name_th"])
                for row in csv.DictReader(handle)}


def province_code(code: object) -> str:
    """A province code as the two-digit string the tables use ("TH-30", 30, "30" -> "30")."""
    text_code = str(code).strip().removeprefix("TH-")
    if text_code.isdigit():
        return f"{int(text_code):02d}"
    raise SimError(f"not a province code: {code!r}", where="province_code")


def province_name(code: object, lang: str = "en") -> str:
    """An Isan province's name in `lang` (the code itself for provinces outside Isan)."""
    i = _check_lang(lang)
    key = province_code(code)
    row = _province_rows().get(key)
    return key if row is None else row[i]


def isan_province_codes() -> list[str]:
    """The 20 Isan province codes, "30" to "49"."""
    return sorted(_province_rows())
