"""English and Traditional Chinese labels; every visible label goes through :func:`t`.

The language is per session (``st.session_state["lang"]``), never a module
global, because Streamlit serves many sessions from one process.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

LANGUAGES: dict[str, str] = {"en": "English", "zh": "繁體中文"}

#: key -> (English, Traditional Chinese). Placeholders use str.format names.
LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("fleetplan: Hong Kong zero-emission fleet planner", "fleetplan：香港零排放車隊規劃"),
    "language": ("Language", "語言"),
    "page": ("Page", "頁面"),
    "page_plan": ("Plan and map", "規劃與地圖"),
    "page_scenario": ("Scenario editor", "情景編輯"),
    "page_compare": ("Compare scenarios", "情景比較"),
    "page_depot": ("Bus depots", "巴士車廠"),
    "page_export": ("Export", "匯出"),
    "page_calibration": ("Calibration", "校準"),
    # calibration page
    "calibration_intro": (
        "The plan against observed figures: vehicles in service, fleets, CO2, km per day and the roadmap's subsidy arithmetic. "
        "Targets must lie in their observed range (checked by the tests); reported rows differ in scope or come before the model's first year.",
        "規劃與觀測數字的比較：在役車輛、車隊、二氧化碳、每日行駛里數及路線圖的資助算術。"
        "校準目標須落在觀測範圍內（由測試檢查）；僅作報告的項目範圍不同或早於模型首年。",
    ),
    "cal_from_plan": ("From the plan solved in this session.", "來自本節求解的規劃。"),
    "cal_from_file": (
        "The committed table of the Hong Kong default (regenerate with `make calibrate`); solve a plan to see its own.",
        "香港預設的已提交表格（以 `make calibrate` 重新產生）；求解規劃可看其本身的表格。",
    ),
    "cal_none": (
        "This dataset has no observed figures (observed.csv) and no calibration table.",
        "此數據集沒有觀測數字（observed.csv），亦沒有校準表。",
    ),
    "cal_observation": ("observation", "觀測項目"),
    "cal_model": ("model", "模型"),
    "cal_observed": ("observed", "觀測值"),
    "cal_low": ("low", "下限"),
    "cal_high": ("high", "上限"),
    "cal_unit": ("unit", "單位"),
    "cal_difference": ("model − observed", "模型 − 觀測"),
    "cal_verdict": ("in range?", "在範圍內？"),
    "cal_role": ("role", "角色"),
    "cal_source": ("source", "來源"),
    "cal_note": ("note", "備註"),
    "cal_in_range": ("in range", "在範圍內"),
    "cal_out_of_range": ("OUT OF RANGE", "超出範圍"),
    "cal_not_compared": ("not compared", "未比較"),
    "cal_target": ("target", "校準目標"),
    "cal_reported": ("reported only", "僅作報告"),
    "cal_targets_met": ("Targets within range", "在範圍內的校準目標"),
    "cal_reported_rows": ("Reported-only comparisons", "僅作報告的比較"),
    "cal_estimate_share": ("Parameters that are estimates", "屬估算的參數"),
    "cal_targets_only": ("Show targets only", "只顯示校準目標"),
    "cal_missed": ("Out of range: {rows}", "超出範圍：{rows}"),
    "cal_estimates": ("Rows by status in each dataset table", "各數據表按狀態劃分的行數"),
    "target_cost": ("What do the targets cost?", "目標的代價是多少？"),
    "target_cost_intro": (
        "Prices each target on its own: the plan with that target hard (the others off) against one plan with no targets. "
        "A target the model cannot reach is named with what stops it.",
        "逐一計算每個目標的代價：只把該目標設為硬性（其他目標關閉）的方案，與沒有任何目標的方案比較。模型無法達到的目標會列明受何限制。",
    ),
    "target_cost_table": (
        "target · class · year · required · without targets · verdict · extra system cost · extra subsidy · what stops it",
        "目標 · 類別 · 年份 · 要求 · 沒有目標時 · 結論 · 額外系統成本 · 額外資助 · 受何限制",
    ),
    "target_verdict_met": ("met anyway", "本已達到"),
    "target_verdict_met_at_cost": ("met at a cost", "需付代價達到"),
    "target_verdict_out_of_reach": ("out of reach", "無法達到"),
    "target_cost_run": ("Cost the targets", "計算目標代價"),
    "target_cost_infeasible": (
        "The targets cannot all be met in this scenario (e.g. allow early retirement, or raise the budget):",
        "此情景無法達成全部目標（例如可容許提早退役或增加預算）：",
    ),
    "target_cost_system": ("Extra system cost (discounted)", "額外系統成本（折現）"),
    "target_cost_subsidy": ("Extra subsidy", "額外資助"),
    "target_cost_abated": ("Extra CO2 abated", "額外減排"),
    "compare_overlay": ("{a} against {b} on one map", "{a} 與 {b} 同一地圖比較"),
    "compare_overlay_legend": (
        "green: sites both plans build · blue: only {a} · magenta: only {b} (size = kW or kg/day)",
        "綠色：兩個方案都建設的地點 · 藍色：只有 {a} · 洋紅色：只有 {b}（大小 = 千瓦或公斤/日）",
    ),
    "dataset": ("Dataset", "數據集"),
    "dataset_user": ("your uploaded data", "你上載的數據"),
    "dataset_default": ("Hong Kong default", "香港預設"),
    "scenario_name": ("Scenario name", "情景名稱"),
    # solving
    "solve": ("Solve scenario", "求解情景"),
    "solving": ("HiGHS is solving…", "HiGHS 求解中…"),
    "progress": (
        "{elapsed:.0f} s elapsed · incumbent {incumbent} · bound {bound} · gap {gap}",
        "已用 {elapsed:.0f} 秒 · 現有解 {incumbent} · 界限 {bound} · 差距 {gap}",
    ),
    "solved": ("Solved in {seconds:.1f} s (status {status}, gap {gap})", "求解完成，用時 {seconds:.1f} 秒（狀態 {status}，差距 {gap}）"),
    "gap_of_target": ("{gap} (target {target})", "{gap}（目標 {target}）"),
    "cached": ("Result from cache (scenario `{fp}`)", "結果來自快取（情景 `{fp}`）"),
    "no_result": ("No result yet: press “Solve scenario”.", "尚無結果：請按「求解情景」。"),
    "infeasible": ("No feasible plan: {message}", "沒有可行方案：{message}"),
    "input_error": ("Input problem: {message}", "輸入問題：{message}"),
    "unexpected_error": (
        "Something went wrong ({kind}): {message}. Try a simpler scenario or a longer time limit.",
        "發生錯誤（{kind}）：{message}。請嘗試較簡單的情景或延長時限。",
    ),
    "save_as": ("Save result for comparison as", "儲存結果以作比較，名稱"),
    "save": ("Save", "儲存"),
    "save_what": ("Result on screen: “{name}” (`{fp}`).", "畫面上的結果：「{name}」（`{fp}`）。"),
    "save_overwrite_q": (
        "A saved result is already called “{name}” (from scenario “{old}”). Overwrite it?",
        "已有名為「{name}」的已儲存結果（來自情景「{old}」）。要覆蓋嗎？",
    ),
    "save_overwrite": ("Overwrite", "覆蓋"),
    "save_cancel": ("Keep the earlier one", "保留較早的結果"),
    "result_other_scenario": (
        "The results below are for scenario “{shown}” (`{shown_fp}`), not for “{edited}” being edited: press “Solve scenario” to plan it.",
        "以下結果屬於情景「{shown}」（`{shown_fp}`），並非正在編輯的「{edited}」：請按「求解情景」。",
    ),
    "saved": ("Saved “{name}”.", "已儲存「{name}」。"),
    # map
    "map": ("Map", "地圖"),
    "map_year": ("Year on the map", "地圖年份"),
    "map_attribution": (
        "Coastline: Natural Earth (public domain), 1:10m, via world-atlas. Roads: bus-network graph (straight links between stop clusters).",
        "海岸線：Natural Earth（公有領域），1:1000 萬，經 world-atlas。道路：巴士網絡圖（站群之間的直線連接）。",
    ),
    "legend_depot": ("bus depot", "巴士車廠"),
    "legend_site": ("candidate site", "候選地點"),
    "legend_road": ("road graph (width = bus trips/day)", "道路網絡（闊度 = 每日巴士班次）"),
    "legend_zone": ("taxi zone (shade = kWh/day served)", "的士區（深淺 = 每日供電 kWh）"),
    "legend_charger": ("chargers (size = kW)", "充電器（大小 = kW）"),
    "legend_station": ("hydrogen station open (size = kg/day)", "營運中的加氫站（大小 = 公斤/日）"),
    "legend_refuelled": ("truck corridor refuelled", "有加氫的貨車走廊"),
    "legend_not_refuelled": ("truck corridor not refuelled", "沒有加氫的貨車走廊"),
    "legend_corridor_unsolved": ("truck corridor (solve to see refuelling)", "貨車走廊（求解後顯示加氫情況）"),
    "tip_road": ("{km:.1f} km · {trips} bus trips/day", "{km:.1f} 公里 · 每日 {trips} 班巴士"),
    "tip_kind_depot": ("bus depot", "巴士車廠"),
    "tip_kind_public": ("public fast charging", "公共快速充電"),
    "tip_kind_hydrogen": ("hydrogen station", "加氫站"),
    "tip_kind_taxi_zone": ("taxi zone", "的士區"),
    "tip_kind_candidate": ("candidate site", "候選地點"),
    "tip_charger": (
        "{chargers} chargers · {kw} kW\ngrid: needs {kva} kVA, headroom {headroom} kVA, upgrade in service {upgrade} kVA\nfirst chargers {first}",
        "{chargers} 部充電器 · {kw} kW\n電網：需要 {kva} kVA，餘量 {headroom} kVA，已完成升級 {upgrade} kVA\n首批充電器 {first} 年",
    ),
    "tip_station": (
        "{capacity} kg/day capacity · {sold} kg/day sold · {modules} modules\nopened {first}",
        "容量每日 {capacity} 公斤 · 每日售出 {sold} 公斤 · {modules} 個模組\n{first} 年啟用",
    ),
    "tip_corridor_trips": ("{trips} round trips/day", "每日 {trips} 個來回"),
    "tip_corridor_unsolved": ("solve the scenario to see refuelling", "求解情景後顯示加氫情況"),
    "tip_refuelled": ("refuelled", "有加氫"),
    "tip_not_refuelled": ("not refuelled", "沒有加氫"),
    "tip_fcev_trucks": ("{n} fuel-cell trucks", "{n} 部燃料電池貨車"),
    "tip_zone": ("{kwh} kWh/day fast charging served", "每日供應快速充電 {kwh} kWh"),
    "tip_zone_unsolved": ("solve the scenario to see charging served", "求解情景後顯示充電供應"),
    "tip_depot": ("{buses} buses · grid headroom {headroom} kVA", "{buses} 部巴士 · 電網餘量 {headroom} kVA"),
    "tip_site": ("grid headroom {headroom} kVA", "電網餘量 {headroom} kVA"),
    "tip_overlay_chargers": ("{chargers} chargers, {kw} kW", "{chargers} 部充電器，{kw} kW"),
    "tip_overlay_station": ("{capacity} kg/day", "每日 {capacity} 公斤"),
    "site.bus_depot": ("bus depot", "巴士車廠"),
    "site.car_park": ("car park", "停車場"),
    "site.petrol_station": ("petrol station", "油站"),
    "site.lpg_station": ("LPG station", "石油氣加氣站"),
    "site.landfill": ("restored landfill", "已修復堆填區"),
    "site.hydrogen_station": ("hydrogen station", "加氫站"),
    "site.hydrogen_production": ("hydrogen production site", "製氫設施"),
    # results
    "key_figures": ("Key figures", "主要數字"),
    "zev_class": ("Zero-emission {cls} ({year})", "零排放{cls}（{year}）"),
    "classes.bus": ("buses", "巴士"),
    "classes.taxi": ("taxis", "的士"),
    "classes.minibus": ("minibuses", "小巴"),
    "classes.truck": ("trucks", "貨車"),
    "subsidy_total": ("Subsidy spent (HK$m)", "資助開支（百萬港元）"),
    "abated": ("CO2 abated (kt)", "減排二氧化碳（千噸）"),
    "system_cost": ("System cost (HK$m, discounted)", "系統成本（百萬港元，折現）"),
    "t_per_hkdm": ("t CO2 against no policy per HK$1m subsidy paid", "每百萬港元已付資助相對無政策的減排噸數"),
    "fleet_mix": ("Fleet mix by year", "各年車隊組合"),
    "subsidy_phasing": ("Subsidy by programme and year", "各計劃各年資助"),
    "emissions_path": ("Emissions against the no-change baseline", "排放與不變基線比較"),
    "cost_breakdown": ("Cost breakdown (discounted)", "成本分項（折現）"),
    "targets": ("Targets", "目標"),
    "marginal_values": ("What one more unit is worth", "多一單位的價值"),
    "table": ("Table", "表格"),
    "vehicles": ("vehicles", "車輛"),
    "year": ("year", "年份"),
    "technology": ("technology", "技術"),
    "tonnes": ("t CO2", "噸二氧化碳"),
    "hkd_m": ("HK$m", "百萬港元"),
    "baseline": ("baseline", "基線"),
    "plan_label": ("plan", "方案"),
    "no_subsidy": ("No subsidy is paid in this plan.", "此方案沒有支付資助。"),
    "target_met": ("met", "達到"),
    "target_short": ("short by {short}", "不足 {short}"),
    "vehicle_class": ("vehicle class", "車輛類別"),
    "programme": ("programme", "計劃"),
    "basis_wtw": ("well-to-wheel", "油井到車輪"),
    "basis_ttw": ("tank-to-wheel", "油箱到車輪"),
    "notes": ("Notes on this plan", "此方案的備註"),
    "model_text": ("In the model's own words (English).", "模型原文（英文）。"),
    # The model's sentences (optimiser/messages.py), by template key; English as the model writes it.
    "msg_truck_same_node": ("truck flows whose ends snap to one road node were left out: {flows}", "兩端落在同一路網節點的貨車流量已剔除：{flows}"),
    "msg_corridors_merged": ("{flows} truck corridors merged into {segments} fleet segments (truck_corridor_km_band)", "{flows} 條貨車走廊已合併為 {segments} 個車隊分組（truck_corridor_km_band）"),
    "msg_zones_unreachable": ("taxi zones with no public charging site within {km} km: {zones}", "{km} 公里內沒有公共充電地點的的士區：{zones}"),
    "msg_targets_outside": ("targets beyond the horizon are not modelled (extend years.end to include them): {targets}", "規劃期以外的目標未納入模型（延長 years.end 以納入）：{targets}"),
    "msg_taxi_unserved": ("taxi fast charging no site within reach can serve (penalised, not costed): {zones}", "範圍內沒有地點可提供的的士快速充電（計罰款，不計成本）：{zones}"),
    "msg_order_capped": (
        "operator order {order} ({operator}: {vehicles} {technology} vehicles bought by {year}) capped at {capped} "
        "before the solve: natural replacement on the duties {technology} can run allows no more",
        "營辦商訂單 {order}（{operator}：於 {year} 年或之前購入 {vehicles} 輛 {technology} 車輛）在求解前上限定為 {capped}："
        "自然更替中 {technology} 可行駛的班次只容許這麼多",
    ),
    "msg_pledge_incumbent_duties": (
        "operator pledge {pledge} ({operator}, zero-emission purchases only from {year}): {share} of its vehicles run "
        "duties no zero-emission technology can run; their purchases stay {incumbent} ({segments})",
        "營辦商承諾 {pledge}（{operator}，由 {year} 年起只購零排放車輛）：其 {share} 車輛所行駛的班次沒有零排放技術可以應付，"
        "這些車輛的購置仍為 {incumbent}（{segments}）",
    ),
    "msg_mv_not_binding": ("{name} does not bind: raising it changes nothing", "{name} 未受約束：提高它不會改變任何結果"),
    "msg_mv_abatement": (
        "each extra HK$1m of {name} abates about {value} t CO2, for up to HK${room}m more (re-solved at +HK${probe}m: {more} t); payment levels and sites held",
        "{name} 每多港幣一百萬元約多減排 {value} 噸二氧化碳，最多適用於再增加港幣 {room} 百萬元（以 +港幣 {probe} 百萬元重新求解：{more} 噸）；資助水平及地點不變",
    ),
    "msg_mv_cost_falls": (
        "each extra HK$1 of {name}, for up to HK${room}m more, improves the objective by HK${value}; re-solved at +HK${probe}m: system cost falls by HK${cost}m and penalties (not costs) fall by HK${penalty}m; payment levels and sites held",
        "{name} 每多港幣一元（最多再增加港幣 {room} 百萬元），目標值改善港幣 {value} 元；以 +港幣 {probe} 百萬元重新求解：系統成本下降港幣 {cost} 百萬元，罰款（非成本）下降港幣 {penalty} 百萬元；資助水平及地點不變",
    ),
    "msg_mv_cost_rises": (
        "each extra HK$1 of {name}, for up to HK${room}m more, improves the objective by HK${value}; re-solved at +HK${probe}m: system cost rises by HK${cost}m and penalties (not costs) fall by HK${penalty}m; payment levels and sites held",
        "{name} 每多港幣一元（最多再增加港幣 {room} 百萬元），目標值改善港幣 {value} 元；以 +港幣 {probe} 百萬元重新求解：系統成本上升港幣 {cost} 百萬元，罰款（非成本）下降港幣 {penalty} 百萬元；資助水平及地點不變",
    ),
    "msg_target_short": (
        "target {target} is out of reach in this scenario ({short} vehicles short); each vehicle short pays the soft-target penalty (a penalty, not a cost)",
        "此情景無法達到目標 {target}（尚欠 {short} 輛）；每欠一輛須付軟目標罰款（屬罰款，不是成本）",
    ),
    "msg_mv_step_agrees": (
        "a re-solve of the plan (hydrogen stations held) with {name} HK${step}m higher agrees: HK${value} per extra HK$1 (system cost HK${cost}, penalties HK${penalty}; the two plans certified within HK${error}m together)",
        "把 {name} 提高港幣 {step} 百萬元後重新求解方案（氫氣站不變），結果一致：每多港幣一元值港幣 {value} 元（系統成本港幣 {cost} 元，罰款港幣 {penalty} 元；兩個方案合共核證誤差在港幣 {error} 百萬元內）",
    ),
    "msg_mv_step_differs": (
        "quote the step, not the LP value: a re-solve of the plan (hydrogen stations held) with {name} HK${step}m higher gives HK${value} per extra HK$1 (system cost HK${cost}, penalties HK${penalty}; the two plans certified within HK${error}m together); the LP value holds only over its short range",
        "請引用步長結果而非線性規劃值：把 {name} 提高港幣 {step} 百萬元後重新求解方案（氫氣站不變），每多港幣一元值港幣 {value} 元（系統成本港幣 {cost} 元，罰款港幣 {penalty} 元；兩個方案合共核證誤差在港幣 {error} 百萬元內）；線性規劃值只在其短範圍內成立",
    ),
    "msg_target_reported_short": (
        "target {target} is not reached in this plan ({short} vehicles short); reported, not penalised (fleetplan target-cost prices reaching it)",
        "此方案未達目標 {target}（尚欠 {short} 輛）；只作報告，不設罰款（fleetplan target-cost 可計算達標成本）",
    ),
    "msg_unservable_uptake": (
        "{total} zero-emission purchases operators would make cannot be served by any plan (every site in reach at its size limit, no charger room; found before the solve, reported, not penalised): {by_class}",
        "營辦商願意購買的 {total} 輛零排放車輛無法由任何方案提供能源（可達地點均已達規模上限或充電位不足；於求解前找出，只作報告，不設罰款）：{by_class}",
    ),
    "msg_unservable_pledge": (
        "operators' zero-emission fleet pledges: up to {vehicles} vehicles (in {year}) cannot be served by any plan (depot charger room or hydrogen within reach at their limits; found before the solve, reported, not penalised): {by_operator}",
        "營辦商零排放車隊承諾：最多 {vehicles} 輛車（{year} 年）無法由任何方案提供能源（車廠充電位或可達範圍內的氫氣已達上限；於求解前找出，只作報告，不設罰款）：{by_operator}",
    ),
    "msg_target_slack": ("target {target} does not bind: the plan exceeds it anyway", "目標 {target} 未受約束：方案本已超過"),
    "msg_target_binds_cost": (
        "one more zero-emission vehicle in target {target} costs HK${value}m (payment levels and sites held)",
        "目標 {target} 每多一輛零排放車輛，成本為港幣 {value} 百萬元（資助水平及地點不變）",
    ),
    "msg_target_binds_tonnes": (
        "one more zero-emission vehicle in target {target} costs {value} t CO2 (payment levels and sites held)",
        "目標 {target} 每多一輛零排放車輛，代價為 {value} 噸二氧化碳（資助水平及地點不變）",
    ),
    "msg_tc_natural_replacement": (
        'natural replacement allows at most {max_zev} zero-emission vehicles ({vclass}) by {year}, {required} required; early retirement of at least {retire} would be needed',
        '自然更換最多只容許 {year} 年前有 {max_zev} 輛零排放車輛（{vclass}），需要 {required} 輛；須提早退役至少 {retire} 輛',
    ),
    "msg_tc_uptake": (
        'even with every programme paying its top level in its open years, operators would buy at most {max_zev} zero-emission vehicles ({vclass}) by {year}, {required} required (natural replacement would allow {natural})',
        '即使每個計劃在開放年份都以最高水平資助，營運者在 {year} 年前最多只會購買 {max_zev} 輛零排放車輛（{vclass}），需要 {required} 輛（自然更換可容許 {natural} 輛）',
    ),
    "msg_tc_infrastructure": (
        'the chargers, grid and hydrogen stations the model can provide serve at most {max_zev} zero-emission vehicles ({vclass}) by {year}, {required} required (operators would buy up to {uptake})',
        '模型可提供的充電器、電網及氫氣站在 {year} 年前最多只能支援 {max_zev} 輛零排放車輛（{vclass}），需要 {required} 輛（營運者願意購買最多 {uptake} 輛）',
    ),
    "msg_tc_money": (
        'the budget and programme caps pay for at most {max_zev} zero-emission vehicles ({vclass}) by {year}, {required} required ({infrastructure} without them)',
        '預算及計劃上限在 {year} 年前最多只能資助 {max_zev} 輛零排放車輛（{vclass}），需要 {required} 輛（沒有這些上限則可達 {infrastructure} 輛）',
    ),
    "msg_tc_whole_numbers": (
        'the relaxed model allows {max_zev} zero-emission vehicles ({vclass}) by {year}, {required} required, but no plan in whole numbers meets it: {reason}',
        '放寬整數的模型容許 {year} 年前有 {max_zev} 輛零排放車輛（{vclass}），需要 {required} 輛，但沒有整數方案能達到：{reason}',
    ),
    "msg_tc_er_not_enough": (
        'early retirement would not close it: at most {max_zev} with it',
        '提早退役亦無法達到：即使提早退役最多只有 {max_zev} 輛',
    ),
    "msg_tc_er_not_priced": (
        'with early retirement up to {max_zev} are possible; not priced (beyond the {budget} s time budget)',
        '容許提早退役時最多可達 {max_zev} 輛；未計算代價（超出 {budget} 秒的時間預算）',
    ),
    "msg_tc_er_infeasible": (
        'with early retirement the relaxed model reaches it, but no plan was found: {reason}',
        '容許提早退役時放寬整數的模型可以達到，但找不到方案：{reason}',
    ),
    "msg_tc_er_priced": (
        "with early retirement allowed it is met: {retired} of today's vehicles ({vclass}) retired early by {year} ({retired_all} of every class over the horizon, where that pays); system cost HK${cost}m and subsidy HK${subsidy}m against the plan without targets",
        "容許提早退役時可以達到：{year} 年前提早退役 {retired} 輛現有車輛（{vclass}）（整個規劃期內所有類別共 {retired_all} 輛，凡划算者）；與沒有目標的方案相比，系統成本港幣 {cost} 百萬元，資助港幣 {subsidy} 百萬元",
    ),
    # editor
    "editor_intro": (
        "Change the scenario here; the plan page solves what you set.",
        "在此修改情景；規劃頁會按你的設定求解。",
    ),
    "objective": ("Objective", "目標函數"),
    "obj_min_cost": ("least system cost", "系統成本最低"),
    "obj_max_abatement": ("most CO2 abated", "減排最多"),
    "budget_total": ("Total subsidy budget (HK$m)", "資助總預算（百萬港元）"),
    "yearly_limit": ("Limit per year (HK$m, 0 = none)", "每年上限（百萬港元，0 = 不設）"),
    "programmes": ("Subsidy programmes", "資助計劃"),
    "enabled": ("enabled", "啟用"),
    "programme_cap": ("programme cap (HK$m)", "計劃上限（百萬港元）"),
    "per_vehicle_cap": ("per-vehicle cap, {vtype} (HK$)", "每車上限，{vtype}（港元）"),
    "first_year": ("first year", "首年"),
    "last_year": ("last year", "末年"),
    "target_hard": ("hard (must hold)", "硬性（必須達到）"),
    "target_min_zev": ("minimum zero-emission vehicles", "最少零排放車輛"),
    "target_share": ("minimum zero-emission share", "最少零排放比例"),
    "target_year": ("by year", "年份"),
    "prices": ("Energy prices (HK$, linear from first to last year)", "能源價格（港元，首年至末年線性）"),
    "override": ("override {what}", "覆寫{what}"),
    "price_electricity": ("electricity HK$/kWh", "電力 港元/千瓦時"),
    "price_hydrogen": ("hydrogen HK$/kg", "氫 港元/公斤"),
    "price_diesel": ("diesel HK$/L", "柴油 港元/升"),
    "price_lpg": ("LPG HK$/L", "石油氣 港元/升"),
    "value_in": ("{what} in {year}", "{year} 年{what}"),
    "carbon_price": ("Carbon price (HK$/t CO2)", "碳價（港元/噸）"),
    "discount_rate": ("Social discount rate (per year)", "社會折現率（每年）"),
    "time_limit": ("Solver time limit (s; 0 = none, stop on the gap only)", "求解時限（秒；0 = 不設，只按差距停止）"),
    "years_range": ("Planning years", "規劃年份"),
    "scenario_invalid": ("Not applied; the scenario is unchanged: {message}", "未套用，情景不變：{message}"),
    "editor_file": ("editor", "編輯器"),
    "read_only_hint": ("no widget can show this exactly; kept as loaded (edit it as YAML below)", "此值無法以控制項準確顯示；按載入時保留（可在下方以 YAML 編輯）"),
    "description": ("Description", "說明"),
    "year_start": ("First year", "首年"),
    "year_end": ("Last year", "末年"),
    "year_step": ("Years between modelled years", "模擬年份間隔"),
    "scenario_dataset_ignored": (
        "This scenario names the dataset folder {folder}; the app plans with its own dataset (default or uploaded), "
        "so its fingerprint differs from the command line's.",
        "此情景指定數據夾 {folder}；本程式使用自身的數據集（預設或上載），因此指紋與命令列不同。",
    ),
    "examples": ("Example scenarios (data/scenarios)", "示例情景（data/scenarios）"),
    "load_example": ("Load example", "載入示例"),
    "loaded_example": ("Loaded example “{name}” from {file}.", "已從 {file} 載入示例「{name}」。"),
    "not_utf8": ("{file}: not UTF-8 text", "{file}：不是 UTF-8 文字"),
    "other_settings": ("Settings without a widget above", "上方沒有控制項的設定"),
    "other_settings_intro": ("Kept exactly as loaded; change them as YAML.", "按載入時原樣保留；可以 YAML 修改。"),
    "other_settings_none": ("None: every setting of this scenario has a widget above.", "沒有：此情景的所有設定都有控制項。"),
    "edit_yaml": ("Edit the whole scenario as YAML", "以 YAML 編輯整個情景"),
    "edit_yaml_intro": (
        "What this scenario changes from the default. `extends:` may name a shipped example.",
        "此情景相對預設的改動。`extends:` 可指定隨附的示例。",
    ),
    "edited_yaml_file": ("edited YAML", "已編輯的 YAML"),
    "editing": ("Editing “{name}” (fingerprint `{fp}`).", "正在編輯「{name}」（指紋 `{fp}`）。"),
    "upload_yaml": ("Upload a scenario (.yaml/.yml, up to 1 MB)", "上載情景（.yaml/.yml，最多 1 MB）"),
    "loaded_yaml": ("Loaded scenario “{name}”.", "已載入情景「{name}」。"),
    "paste_yaml": ("Or paste scenario YAML", "或貼上情景 YAML"),
    "load_yaml": ("Apply this YAML", "套用此 YAML"),
    "download_yaml": ("Download scenario as YAML", "下載情景 YAML"),
    "upload_data": (
        "Upload your own tables (CSV or GeoJSON named like the dataset's files, e.g. depots.csv)",
        "上載你的數據表（CSV 或 GeoJSON，檔名與數據集相同，例如 depots.csv）",
    ),
    "upload_gtfs": ("Upload a GTFS feed (.zip)", "上載 GTFS 資料（.zip）"),
    "upload_osm": ("Upload an OpenStreetMap extract (.osm)", "上載 OpenStreetMap 檔案（.osm）"),
    "data_loaded": ("Your data is valid and in use: {tables}", "你的數據有效並已使用：{tables}"),
    "gtfs_routes": ("Routes in the GTFS feed", "GTFS 路線"),
    "osm_graph": ("Road graph from OSM: {nodes} nodes, {edges} edges (now used as the map graph)", "OSM 道路網絡：{nodes} 個節點、{edges} 條邊（已用作地圖網絡）"),
    "reset_data": ("Use the default dataset again", "改回預設數據集"),
    "too_large": ("{file} is {size:.1f} MB; the limit is {limit:.0f} MB", "{file} 有 {size:.1f} MB；上限為 {limit:.0f} MB"),
    "bad_type": ("{file}: expected one of {types}", "{file}：只接受 {types}"),
    "unknown_table": ("{file}: not a table of the dataset; expected one of {names}", "{file}：不是數據集的表；應為 {names}"),
    # compare
    "compare_no_measurable": (
        "{b} against {a}: no measurable difference in system cost (within ±HK${error}m, the sum of both plans' certified errors)",
        "{b} 對比 {a}：系統成本無可量度差異（在兩個方案核證誤差總和 ±港幣 {error} 百萬元內）",
    ),
    "compare_no_measurable_short": ("no measurable difference", "無可量度差異"),
    "compare_intro": ("Solve scenarios on the plan page and save them; then pick two or more here.", "在規劃頁求解並儲存情景，然後在此選擇兩個或以上。"),
    "compare_pick": ("Saved scenarios to compare", "要比較的已儲存情景"),
    "compare_need_two": ("Save at least two scenarios to compare them.", "請至少儲存兩個情景以作比較。"),
    "compare_table": ("Key figures side by side", "主要數字並列"),
    "compare_delta": ("Δ against {name}", "相對 {name} 的差異"),
    # depot
    "depot_plan": ("Depot charging in the plan", "方案中的車廠充電"),
    "depot_pick": ("Depot", "車廠"),
    "depot_none": ("This plan builds no depot chargers.", "此方案不建車廠充電器。"),
    "chargers": ("chargers", "充電器"),
    "kw": ("kW", "千瓦"),
    "kva_needed": ("grid kVA needed", "所需電網 kVA"),
    "grid_upgrade": ("grid upgrade in service (kVA)", "已完成電網升級（kVA）"),
    "depot_sizing": ("Depot sizing tool", "車廠規模計算"),
    "blocks_upload": ("Upload BLOCKS.csv (bus, pull_out, pull_in, km)", "上載 BLOCKS.csv（bus, pull_out, pull_in, km）"),
    "blocks_using_sample": ("Sizing a sample depot of {n} buses (upload a BLOCKS.csv to size yours).", "正計算 {n} 部巴士的示例車廠（上載 BLOCKS.csv 以計算你的車廠）。"),
    "blocks_using_upload": ("Sizing your file {file}: {n} buses.", "正計算你的檔案 {file}：{n} 部巴士。"),
    "min_soc": ("lowest state of charge (share of usable kWh)", "最低電量（可用電量的比例）"),
    "summer_factor": ("summer factor (× energy use on the design day)", "夏季系數（設計日能耗倍數）"),
    "not_numbers": ("'{text}' is not a list of numbers", "「{text}」不是一串數字"),
    "plan_from": ("Plan of scenario “{name}” (`{fp}`).", "情景「{name}」的方案（`{fp}`）。"),
    "usable_kwh": ("usable battery (kWh)", "可用電池（kWh）"),
    "kwh_per_km": ("energy use (kWh/km)", "能耗（kWh/km）"),
    "charger_kw": ("charger power options (kW, comma separated)", "充電器功率選項（kW，以逗號分隔）"),
    "headroom_kva": ("grid headroom today (kVA)", "現有電網餘量（kVA）"),
    "size_depot": ("Size the depot", "計算車廠規模"),
    "load_curve": ("Site load: smart vs uncontrolled charging", "場地負載：智能與不受控充電"),
    "smart": ("smart", "智能"),
    "uncontrolled": ("uncontrolled", "不受控"),
    "sizing_answer": (
        "{chargers} chargers ({by_kw}); peak {peak_kva:,.0f} kVA; grid upgrade {upgrade:,.0f} kVA; "
        "uncontrolled charging would peak at {unc_kw:,.0f} kW with {unc_chargers} chargers.",
        "{chargers} 部充電器（{by_kw}）；峰值 {peak_kva:,.0f} kVA；電網升級 {upgrade:,.0f} kVA；"
        "不受控充電峰值為 {unc_kw:,.0f} kW，需 {unc_chargers} 部充電器。",
    ),
    "infeasible_buses": ("Duties depot charging cannot serve", "車廠充電無法應付的更次"),
    # exports
    "export_intro": ("Download the current plan.", "下載目前方案。"),
    "sites_gpkg": ("Sites as GeoPackage", "地點（GeoPackage）"),
    "sites_geojson": ("Sites as GeoJSON", "地點（GeoJSON）"),
    "tables_excel": ("All tables as Excel", "所有表格（Excel）"),
    "tables_csv": ("All tables as CSV (zip)", "所有表格（CSV 壓縮檔）"),
    "html_report": ("One-page HTML report", "一頁 HTML 報告"),
    "report_title": ("fleetplan report: {name}", "fleetplan 報告：{name}"),
    "report_status": ("Solver status {status}, gap {gap} (target {target}), scenario fingerprint {fp}", "求解狀態 {status}，差距 {gap}（目標 {target}），情景指紋 {fp}"),
    "report_scenario": ("Scenario (what it changes from the default, as YAML)", "情景（相對預設的改動，YAML）"),
    # the official's view
    "page_official": ("The official's view", "官員視角"),
    "official_view": ("The official's view", "官員視角"),
    "official_intro": (
        "With this budget, what the subsidy buys: money spent against each limit, free riders, tonnes per HK$1m against both baselines, "
        "what one more HK$ is worth and up to where, penalties apart from costs; then a small budget sweep of the scenario being edited.",
        "按此預算，資助換來甚麼：各項上限與實際開支、「搭便車」比例、相對兩條基線每百萬港元的減排、多一港元的價值及其有效範圍、"
        "與成本分開列出的罰款；然後為正在編輯的情景作小型預算掃描。",
    ),
    "official_no_result": ("No plan yet: solve one on the “Plan and map” page. The budget sweep below works without it.",
                           "尚無方案：請在「規劃與地圖」頁求解。下方的預算掃描毋須先求解。"),
    "official_see_page": ("Budget against money spent, free riders, marginal values and a budget sweep: see the page “The official's view”.",
                          "預算與實際開支、「搭便車」比例、邊際價值及預算掃描：見「官員視角」頁。"),
    "official_budget": ("Subsidy budget (HK$m)", "資助預算（百萬港元）"),
    "official_spent": ("Subsidy spent (HK$m)", "資助實際開支（百萬港元）"),
    "official_spent_help": ("Paid to every eligible purchase, free riders included.", "支付予所有合資格購買，包括「搭便車」者。"),
    "official_spent_share": ("The plan spends {share} of the budget.", "方案用了預算的 {share}。"),
    "official_abated_vs_no_policy": ("CO2 abated against no policy (kt)", "相對無政策的減排（千噸）"),
    "official_penalties": ("Penalties (HK$m, not a cost)", "罰款（百萬港元，非成本）"),
    "official_penalties_help": (
        "Soft-target shortfalls, blocked uptake and unserved charging, weighted in the objective to steer the plan; nobody pays them and they are not in the system cost.",
        "未達軟性目標、受阻的採用及未獲供應的充電，在目標函數中加權以引導方案；無人支付，亦不計入系統成本。",
    ),
    "official_penalties_total": ("all penalties", "全部罰款"),
    "official_binding": ("Limits that bind", "受約束的限制"),
    "official_none_binding": ("No limit binds.", "沒有限制受約束。"),
    "official_budget_spent": ("Budget and caps against money spent", "預算及上限與實際開支"),
    "official_budget_spent_intro": (
        "Light bar: what each limit allows; dark bar: what the plan spends under it (red where the model reports the limit binds).",
        "淺色：各項上限容許的金額；深色：方案在其下的開支（模型報告受約束者以紅色顯示）。",
    ),
    "official_t_per_hkdm": ("Tonnes CO2 against no policy per HK$1m of subsidy paid", "每百萬港元已付資助相對無政策的減排噸數"),
    "official_t_per_hkdm_intro": (
        "Against the all-incumbent baseline (every tonne the fleet avoids) and against no policy (only what the programmes add: what the budget buys).",
        "相對全現有技術基線（車隊避免的所有排放）及相對無政策（只計資助計劃額外帶來的減排：預算真正換來的）。",
    ),
    "official_no_spend": ("No subsidy is spent, or the no-policy plan was not solved: nothing to divide.", "沒有資助開支，或未有求解無政策方案：無從計算。"),
    "official_free_riders": ("Vehicles paid and free riders by programme", "各計劃資助的車輛及「搭便車」比例"),
    "official_free_riders_intro": (
        "Programmes pay every eligible purchase; free riders are the share whose operators would have bought without the payment.",
        "資助計劃向所有合資格購買付款；「搭便車」是即使沒有資助營辦商也會購買的比例。",
    ),
    "official_payments": ("Payment per vehicle by programme and year", "各計劃各年每車資助"),
    "official_payments_intro": (
        "HK$ thousand per vehicle offered; the label on each bar is the quota: the share of that year's eligible purchases the payment is offered to.",
        "每車資助（千港元）；柱上標籤為配額：該年合資格購買中獲提供資助的比例。",
    ),
    "official_marginal": ("What one more HK$ of each limit is worth", "各項上限多一港元的價值"),
    "official_marginal_intro": (
        "Payment levels and sites held. Each value holds only within its range; beyond it, solve again (a sweep below) rather than multiply.",
        "資助水平及地點維持不變。每個數值只在其範圍內有效；超出範圍請重新求解（見下方掃描），切勿按比例推算。",
    ),
    "official_no_marginals": ("This plan has no marginal values.", "此方案沒有邊際價值。"),
    "official_penalties_heading": ("Penalties (shown apart: not costs)", "罰款（分開列出：並非成本）"),
    "official_penalties_intro": (
        "Weighted in the objective to steer the plan; not money anyone pays and not part of the system cost.",
        "在目標函數中加權以引導方案；並非任何人支付的金錢，亦不屬系統成本。",
    ),
    "of_available": ("limit", "上限"),
    "of_spent": ("spent", "開支"),
    "of_vehicles_paid": ("vehicles paid (free riders included)", "受資助車輛（包括搭便車）"),
    "of_free_rider_share": ("free riders", "搭便車比例"),
    "of_spent_hkd_m": ("spent (HK$m)", "開支（百萬港元）"),
    "of_payment_hkd_k": ("HK$ thousand per vehicle", "每車千港元"),
    "mv_split": ("(system cost HK${cost}, penalty HK${penalty})", "（系統成本港幣 {cost} 元，罰款港幣 {penalty} 元）"),
    "mv_step_agrees_short": (
        "a re-solve at +HK${step}m agrees: HK${value} (system cost HK${cost}, penalty HK${penalty})",
        "以 +港幣 {step} 百萬元重新求解結果一致：港幣 {value} 元（系統成本港幣 {cost} 元，罰款港幣 {penalty} 元）",
    ),
    "mv_step_differs_short": (
        "quote this instead: a re-solve at +HK${step}m gives HK${value} (system cost HK${cost}, penalty HK${penalty})",
        "請改引用：以 +港幣 {step} 百萬元重新求解得港幣 {value} 元（系統成本港幣 {cost} 元，罰款港幣 {penalty} 元）",
    ),
    "official_status": ("How sure", "可信程度"),
    "certainty_optimal": (
        "solved to its gap: system cost certified within HK${plan}m; no-policy plan within HK${no_policy}m; a difference of the two within HK${both}m is no measurable difference",
        "已求解至目標差距：系統成本核證誤差在港幣 {plan} 百萬元內；無政策方案在港幣 {no_policy} 百萬元內；兩者之差若在港幣 {both} 百萬元內即屬無可量度差異",
    ),
    "certainty_stopped": (
        "the solve stopped on '{status}' before its gap was met: figures certified only within HK${plan}m",
        "求解在達到目標差距前因「{status}」停止：數字只核證至港幣 {plan} 百萬元內",
    ),
    "of_vs_no_policy": ("against no policy", "相對無政策"),
    "of_t_per_hkd_m": ("t CO2 per HK$1m", "每百萬港元噸數"),
    "of_limit": ("limit", "限制"),
    "of_value": ("value", "價值"),
    "of_holds": ("holds", "有效範圍"),
    "of_flag": ("flag", "標記"),
    "of_penalty": ("penalty", "罰款"),
    "of_penalty_hkd_m": ("HK$m (discounted)", "百萬港元（折現）"),
    "limit.budget": ("total subsidy budget", "資助總預算"),
    "limit.programme_cap": ("programme cap of {what}", "{what}計劃上限"),
    "limit.yearly_limit": ("yearly limit {what}", "{what} 年度上限"),
    "limit.per_vehicle_cap": ("per-vehicle cap of {what} (top payment level)", "{what}每車上限（最高資助水平）"),
    "limit.eligibility_window": ("eligibility window of {what}", "{what}資格年期"),
    "limit.depot_space": ("depot space at {what}", "{what}車廠空間"),
    "limit.blocked_uptake": ("uptake blocked (no charging, grid or hydrogen) in {what}", "{what}的採用受阻（欠充電、電網或氫）"),
    "limit.taxi_charging": ("taxi fast charging in zone {what}", "{what}區的士快速充電"),
    "limit.target": ("target {what}", "目標 {what}"),
    "mv_does_not_bind": ("does not bind", "不受約束"),
    "mv_holds_for": ("holds for up to HK${more}m more", "在增加最多 {more} 百萬港元內有效"),
    "mv_no_range": ("at the margin only (no range reported)", "只適用於邊際（未報告範圍）"),
    "mv_t_per_hkd_m": ("{value} t CO2 per extra HK$1m", "每多一百萬港元減排 {value} 噸"),
    "mv_hkd_per_hkd": ("HK${value} per extra HK$1", "每多一港元 {value} 港元"),
    "mv_t_per_vehicle": ("{value} t CO2 per extra vehicle", "每多一部車 {value} 噸"),
    "mv_hkd_m_per_vehicle": ("HK${value}m per extra vehicle", "每多一部車 {value} 百萬港元"),
    "mv_out_of_reach": ("out of reach ({short} vehicles short)", "無法達到（不足 {short} 部）"),
    "mv_penalty_not_cost": ("each vehicle short pays the soft-target penalty (a penalty, not a cost)", "每部不足的車輛計入軟性目標罰款（罰款，非成本）"),
    "mv_flag": ("not reliable: final gap above 1 %", "不可靠：最終差距高於 1%"),
    "mv_flag_warning": ("The final gap is above 1 %: these values are not reliable.", "最終差距高於 1%：這些數值並不可靠。"),
    "penalty.soft_targets": ("soft targets missed", "未達軟性目標"),
    "penalty.blocked_uptake": ("uptake blocked (no charging, grid or hydrogen)", "採用受阻（欠充電、電網或氫）"),
    "penalty.unserved_taxi_charging": ("taxi charging not served", "未獲供應的的士充電"),
    # budget sweep
    "sweep_heading": ("Budget sweep", "預算掃描"),
    "sweep_intro": (
        "Solves the scenario being edited, “{name}” (`{fp}`), once per budget, one after another, without marginal values or the no-policy plan. "
        "For many points use `fleetplan sweep` on the command line.",
        "按每個預算逐一求解正在編輯的情景「{name}」（`{fp}`），不計邊際價值及無政策方案。大量數據點請在命令列使用 `fleetplan sweep`。",
    ),
    "sweep_budgets": ("Budgets to solve (HK$ million, comma separated)", "要求解的預算（百萬港元，以逗號分隔）"),
    "sweep_budgets_help": ("At most {most} budgets; each is a full solve.", "最多 {most} 個預算；每個都是完整求解。"),
    "sweep_not_number": ("'{text}' is not a budget; expected HK$ million like 0, 375, 750", "「{text}」不是預算；應為百萬港元，例如 0, 375, 750"),
    "sweep_no_budgets": ("no budgets given; expected HK$ million like 0, 375, 750", "沒有預算；應為百萬港元，例如 0, 375, 750"),
    "sweep_too_many": ("{n} budgets; the app solves at most {most} (use fleetplan sweep for more)", "{n} 個預算；本程式最多求解 {most} 個（更多請用 fleetplan sweep）"),
    "sweep_time_unknown": (
        "{n} solves, one after another: about {each} s each on the Hong Kong default, so roughly {total} min. The page waits until all are done.",
        "{n} 次求解，逐一進行：香港預設每次約 {each} 秒，合共約 {total} 分鐘。頁面會等到全部完成。",
    ),
    "sweep_time_known": (
        "{n} solves, one after another: this scenario took {each} s to solve, so roughly {total} min. The page waits until all are done.",
        "{n} 次求解，逐一進行：此情景求解一次用了 {each} 秒，合共約 {total} 分鐘。頁面會等到全部完成。",
    ),
    "sweep_run": ("Run the budget sweep", "執行預算掃描"),
    "sweep_running": ("Solving {n} budgets…", "正在求解 {n} 個預算…"),
    "sweep_starting": ("Preparing the points…", "準備數據點…"),
    "sweep_point_running": ("Point {i} of {n}: budget HK${budget}m, solving…", "第 {i}/{n} 點：預算 {budget} 百萬港元，求解中…"),
    "sweep_point_done": ("Point {i} of {n} done", "第 {i}/{n} 點完成"),
    "sweep_point_line": (
        "Point {i} (budget HK${budget}m): {status}, spent HK${spent}m, abated {abated} kt, {seconds} s",
        "第 {i} 點（預算 {budget} 百萬港元）：{status}，開支 {spent} 百萬港元，減排 {abated} 千噸，{seconds} 秒",
    ),
    "sweep_finished": ("{n} budgets solved in {seconds} s", "{n} 個預算已求解，用時 {seconds} 秒"),
    "sweep_failed_points": ("{n} point(s) without a plan: see the status column and the CSV.", "{n} 個數據點沒有方案：見狀態欄及 CSV。"),
    "sweep_unspent": ("Budgets the plan does not spend in full (HK$m): {budgets}. A limit other than the budget binds there.",
                      "方案未用盡的預算（百萬港元）：{budgets}。該處受預算以外的限制約束。"),
    "sweep_download": ("Download the sweep as CSV", "下載掃描結果（CSV）"),
    "sweep_title": ("Subsidy spent against CO2 abated (colour: system cost)", "資助開支與減排（顏色：系統成本）"),
    "sweep_title_failed": (" — {n} point(s) without a plan", " — {n} 個數據點沒有方案"),
    "sweep_x": ("subsidy spent (HK$ million)", "資助開支（百萬港元）"),
    "sweep_y": ("CO2 abated over the horizon (kt)", "規劃期內減排（千噸）"),
    "sweep_colour": ("system cost<br>(HK$ million)", "系統成本<br>（百萬港元）"),
    "sweep_dominated": ("dominated", "被支配"),
    "sweep_efficient": ("Pareto-efficient", "帕累托有效"),
    "sweep_front": ("Pareto front", "帕累托前沿"),
    "sweep_hover": (
        "budget HK$%{customdata[0]:,.0f}m<br>spent HK$%{x:,.0f}m<br>abated %{y:,.1f} kt<br>system cost HK$%{customdata[1]:,.0f}m",
        "預算 %{customdata[0]:,.0f} 百萬港元<br>開支 %{x:,.0f} 百萬港元<br>減排 %{y:,.1f} 千噸<br>系統成本 %{customdata[1]:,.0f} 百萬港元",
    ),
    "sweep_col_budget": ("budget (HK$m)", "預算（百萬港元）"),
    "sweep_col_spent": ("spent (HK$m)", "開支（百萬港元）"),
    "sweep_col_abated_np": ("CO2 abated against no policy (kt)", "相對無政策的減排（千噸）"),
    "sweep_col_t_per_hkd": ("t CO2 against no policy per HK$1m paid", "每百萬港元已付資助相對無政策減排噸數"),
    "sweep_col_error": ("certified error (± HK$m)", "核證誤差（± 港幣百萬元）"),
    "sweep_col_abated": ("abated (kt)", "減排（千噸）"),
    "sweep_col_cost": ("system cost (HK$m)", "系統成本（百萬港元）"),
    "sweep_col_status": ("status", "狀態"),
    "sweep_col_pareto": ("Pareto-efficient", "帕累托有效"),
    "report_official": ("The official's view", "官員視角"),
    "report_sweep": ("Budget sweep (subsidy spent against CO2 abated)", "預算掃描（資助開支與減排）"),
    # table columns (st.dataframe headers)
    "col_year": ("year", "年份"),
    "col_new_chargers": ("chargers", "充電器"),
    "col_new_kw": ("charging kW", "充電功率（kW）"),
    "col_kva_needed": ("grid kVA needed", "所需電網 kVA"),
    "col_grid_headroom_kva": ("grid headroom (kVA)", "電網餘量（kVA）"),
    "col_grid_upgrade_ordered_kva": ("grid upgrade ordered (kVA)", "已訂電網升級（kVA）"),
    "col_grid_upgrade_in_service_kva": ("grid upgrade in service (kVA)", "已完成電網升級（kVA）"),
    # dataset values shown to users (ids stay as they are when the catalogue has no entry)
    "programme_short.e_bus": ("e-bus", "電動巴士"),
    "programme_short.e_taxi": ("e-taxi", "電動的士"),
    "programme_short.h2_trial": ("hydrogen trial", "氫能試驗"),
    "col_vehicle_class": ("vehicle class", "車輛類別"),
    "col_technology": ("technology", "技術"),
    "col_vehicles": ("vehicles", "車輛"),
    "col_component": ("component", "項目"),
    "col_discounted_hkd": ("HK$ (discounted)", "港元（折現）"),
    "col_programme_id": ("programme", "計劃"),
    "col_subsidy_hkd": ("subsidy (HK$)", "資助（港元）"),
    "col_name": ("name", "名稱"),
    "col_value": ("value", "數值"),
    "col_unit": ("unit", "單位"),
    "col_meaning": ("meaning", "含義"),
    "col_valid_up_to": ("valid up to", "有效至"),
    "col_flag": ("flag", "標記"),
    "programme.e_bus": ("NET Fund e-bus subsidy (Green Transformation Roadmap)", "新能源運輸基金電動巴士資助（綠色運輸轉型路線圖）"),
    "programme.e_taxi": ("NET Fund e-taxi subsidy", "新能源運輸基金電動的士資助"),
    "programme.h2_trial": ("Hydrogen fuel-cell heavy vehicle trial subsidy scheme", "氫燃料電池重型車輛試驗資助計劃"),
    "vtype.bus_double": ("double-deck bus", "雙層巴士"),
    "vtype.bus_single": ("single-deck bus", "單層巴士"),
    "vtype.taxi": ("taxi", "的士"),
    "vtype.minibus": ("public light bus", "公共小巴"),
    "vtype.truck": ("heavy goods vehicle", "重型貨車"),
    "class.bus": ("bus", "巴士"),
    "class.taxi": ("taxi", "的士"),
    "class.minibus": ("minibus", "小巴"),
    "class.truck": ("truck", "貨車"),
    "tech.diesel": ("diesel", "柴油"),
    "tech.lpg": ("LPG", "石油氣"),
    "tech.bev": ("battery electric", "純電動"),
    "tech.fcev": ("fuel cell", "燃料電池"),
    "cost.vehicles": ("vehicles", "車輛"),
    "cost.energy_and_maintenance": ("energy and maintenance", "能源及維修"),
    "cost.depot_chargers": ("depot chargers", "車廠充電器"),
    "cost.public_chargers": ("public chargers", "公共充電器"),
    "cost.hydrogen_stations": ("hydrogen stations", "加氫站"),
    "cost.grid_upgrades": ("grid upgrades", "電網升級"),
    "cost.carbon": ("carbon price", "碳價"),
}


def lang() -> str:
    """The session's language code (``en`` or ``zh``)."""
    value = st.session_state.get("lang", "en")
    return value if value in LANGUAGES else "en"


def localised_columns(frame: Any) -> Any:
    """``frame`` with the column names the catalogue knows (``col_NAME``) in the session's language."""
    return frame.rename(columns={c: t(f"col_{c}") for c in frame.columns if f"col_{c}" in LABELS})


def data_label(kind: str, value: str, fallback: str) -> str:
    """A dataset value (programme, vehicle type, technology...) in the session's language.

    Uses the catalogue entry ``kind.value`` when there is one, else ``fallback``
    (a user's own dataset may name programmes the catalogue does not know).
    """
    key = f"{kind}.{value}"
    return t(key) if key in LABELS else fallback


def model_text(text: Any) -> str:
    """One of the model's sentences in the session's language.

    :class:`fleetplan.optimiser.messages.ModelText` carries its template key and values; a plain
    string (older results) is shown as the model wrote it.
    """
    key = getattr(text, "key", None)
    if key is None or f"msg_{key}" not in LABELS:
        return str(text)
    return t(f"msg_{key}", **getattr(text, "params", {}))


def translated(text: Any) -> bool:
    """Whether :func:`model_text` can say ``text`` in the catalogue's languages."""
    return f"msg_{getattr(text, 'key', '')}" in LABELS


def t(key: str, **values: Any) -> str:
    """The label ``key`` in the session's language, formatted with ``values``."""
    english, chinese = LABELS.get(key, (key, key))
    text = chinese if lang() == "zh" else english
    return text.format(**values) if values else text
