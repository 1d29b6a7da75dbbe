"""Interface strings in Chinese (zh-CN) and English; every key exists in both."""

from __future__ import annotations

from typing import Any

STRINGS: dict[str, dict[str, str]] = {
    "login_title": {"zh": "登录", "en": "Sign in"},
    "login_username": {"zh": "账号", "en": "Account"},
    "login_password": {"zh": "密码", "en": "Password"},
    "login_submit": {"zh": "登录", "en": "Sign in"},
    "login_failed": {
        "zh": "账号或密码错误，或账号已停用",
        "en": "Wrong account name or password, or the account is disabled",
    },
    "login_throttled": {
        "zh": "登录失败次数过多，请 {s} 秒后再试",
        "en": "Too many failed sign-ins; try again in {s} s",
    },
    "login_expired": {
        "zh": "表单已过期，请重新登录",
        "en": "The form expired; please sign in again",
    },
    "logout": {"zh": "退出", "en": "Sign out"},
    "forbidden": {"zh": "您的角色无权访问此页面", "en": "Your role may not open this page"},
    "audit_title": {"zh": "审计日志", "en": "Audit log"},
    "audit_at": {"zh": "时间(UTC)", "en": "Time (UTC)"},
    "audit_account": {"zh": "账号", "en": "Account"},
    "audit_address": {"zh": "地址", "en": "Address"},
    "audit_kind": {"zh": "类型", "en": "Kind"},
    "audit_target": {"zh": "对象", "en": "Target"},
    "audit_outcome": {"zh": "结果", "en": "Outcome"},
    "audit_detail": {"zh": "详情", "en": "Detail"},
    "audit_since": {"zh": "起始(日期或 12h、7d)", "en": "Since (date, or 12h, 7d)"},
    "audit_filter": {"zh": "筛选", "en": "Filter"},
    "kiosk_invalid": {
        "zh": "大屏登录链接无效或已撤销",
        "en": "This wall sign-in link is not valid or was revoked",
    },
    "app_title": {"zh": "网格态势 Gridsight", "en": "Gridsight"},
    "subtitle": {
        "zh": "网格化治安态势感知",
        "en": "Grid-based public-safety situational awareness",
    },
    "legend": {"zh": "图例", "en": "Legend"},
    "county_all": {"zh": "全部", "en": "All"},
    "kpi_coverage": {"zh": "有效覆盖率", "en": "Working coverage"},
    "kpi_cameras": {"zh": "摄像机在线/总数", "en": "Cameras online / total"},
    "kpi_incidents": {"zh": "警情", "en": "Incidents"},
    "kpi_blind": {"zh": "盲区警情", "en": "Blind incidents"},
    "kpi_open": {"zh": "未结警情", "en": "Open incidents"},
    "range_start": {"zh": "开始日期", "en": "Start date"},
    "range_end": {"zh": "结束日期", "en": "End date"},
    "all_categories": {"zh": "全部类别", "en": "All categories"},
    "all_statuses": {"zh": "全部状态", "en": "All statuses"},
    "cell_worker": {"zh": "网格员", "en": "Grid worker"},
    "cell_population": {"zh": "人口/户数", "en": "Population / households"},
    "cell_area": {"zh": "面积", "en": "Area"},
    "cell_cameras": {"zh": "摄像机(故障在前)", "en": "Cameras (broken first)"},
    "cell_routes": {"zh": "经过的巡逻路线", "en": "Patrol routes through"},
    "blind": {"zh": "盲区", "en": "blind"},
    "ranking": {"zh": "排名(由差到好)", "en": "Ranking (worst first)"},
    "days": {"zh": "天", "en": "days"},
    "na": {"zh": "无", "en": "n/a"},
    "no_data": {
        "zh": "数据库中暂无数据：请运行 python -m etl demo",
        "en": "No data yet: run python -m etl demo",
    },
    "import_link": {"zh": "导入数据", "en": "Import data"},
    "import_title": {"zh": "导入数据", "en": "Import data"},
    "back_to_map": {"zh": "返回地图", "en": "Back to the map"},
    "import_layer": {"zh": "图层", "en": "Layer"},
    "import_drop": {
        "zh": "拖放文件到此处，或点击选择",
        "en": "Drop a file here, or click to choose",
    },
    "import_options": {"zh": "选项", "en": "Options"},
    "import_sublayer": {
        "zh": "子图层或压缩包内文件",
        "en": "Layer in the file, or file in the zip",
    },
    "import_crs": {"zh": "坐标系(文件未声明时)", "en": "CRS (when the file declares none)"},
    "import_datum": {
        "zh": "坐标偏移(高德/腾讯 GCJ02，百度 BD09)",
        "en": "Web datum (GCJ-02, BD-09)",
    },
    "import_encoding": {"zh": "文字编码(未识别时)", "en": "Text encoding (when not detected)"},
    "import_skip": {
        "zh": "跳过错误要素，只导入正确的",
        "en": "Skip bad features, import the good ones",
    },
    "import_confirm": {"zh": "确认导入", "en": "Import"},
    "import_steering": {"zh": "字段对应与编码", "en": "Columns and codes"},
    "import_map_columns": {
        "zh": "字段取自列(字段=列名，多项用分号分隔；字段= 不取该列)",
        "en": "Read a field from a column "
        "(FIELD=COLUMN; several: separate with ;, FIELD= ignores it)",
    },
    "import_ignore": {
        "zh": "忽略的列(逗号分隔)",
        "en": "Columns never matched to a field (comma-separated)",
    },
    "import_set": {
        "zh": "统一取值(字段=值，覆盖文件中的列；多项用分号分隔)",
        "en": "One value for every feature (FIELD=VALUE, over the file's column; separate with ;)",
    },
    "import_values": {
        "zh": "取值对应(字段=原值:新值,原值:新值；原值: 跳过这些要素)",
        "en": "Read values as others (FIELD=a:b,c:d; a: with nothing after skips those features)",
    },
    "import_code_from": {
        "zh": "编码取自列(文件无编号时，逗号分隔，以 - 连接)",
        "en": "Codes from columns (files without ids; comma-separated, joined by -)",
    },
    "import_code_prefix": {
        "zh": "编码前缀(文件无编号时：前缀加内容摘要，重复导入不变)",
        "en": "Code prefix (files without ids: the prefix and a digest of the content, stable)",
    },
    "import_replace": {
        "zh": "替换：同时删除文件所涉单元内、文件中已没有的记录",
        "en": "Replace: also delete the layer's rows within the file's units that it no longer has",
    },
    "import_replace_would": {
        "zh": "确认后将删除 {n} 条文件中已没有的记录：",
        "en": "Importing will delete {n} row(s) the file no longer has:",
    },
    "import_replace_none": {
        "zh": "替换：没有需要删除的记录",
        "en": "Replace: no row would be deleted",
    },
    "import_checked": {
        "zh": "共 {total} 个要素：{good} 个可导入，{bad} 个有错误，{repaired} 个已修复",
        "en": "{total} features: {good} ready, {bad} with errors, {repaired} repaired",
    },
    "err_title": {"zh": "个错误", "en": "errors"},
    "err_feature": {"zh": "要素", "en": "Feature"},
    "err_code": {"zh": "编码", "en": "Code"},
    "err_field": {"zh": "字段", "en": "Field"},
    "err_value": {"zh": "值", "en": "Value"},
    "err_expected": {"zh": "问题/应为", "en": "Problem / expected"},
    "err_more": {"zh": "另有 {n} 个错误未显示", "en": "{n} more errors not shown"},
    "layer_admin": {"zh": "行政区划", "en": "Admin units"},
    "layer_grids": {"zh": "网格", "en": "Grid cells"},
    "layer_roads": {"zh": "道路", "en": "Roads"},
    "layer_cameras": {"zh": "摄像机", "en": "Cameras"},
    "layer_routes": {"zh": "巡逻路线", "en": "Patrol routes"},
    "layer_tracks": {"zh": "巡逻轨迹", "en": "Patrol tracks"},
    "layer_incidents": {"zh": "警情", "en": "Incidents"},
    "wall_title": {"zh": "网格态势 · 指挥中心", "en": "Gridsight · Command center"},
    "wall_coverage": {"zh": "有效覆盖率", "en": "Working coverage"},
    "wall_coverage_sub": {
        "zh": "在线摄像机覆盖面积；道路 {road}",
        "en": "area seen by online cameras; roads {road}",
    },
    "wall_cameras": {"zh": "摄像机在线/总数", "en": "Cameras online / total"},
    "wall_working_rate": {"zh": "完好率", "en": "working rate"},
    "wall_today": {"zh": "今日警情", "en": "Incidents today"},
    "wall_last_week": {
        "zh": "上周同日同时 {n}（{delta}）",
        "en": "same time last week {n} ({delta})",
    },
    "wall_open": {"zh": "未结警情", "en": "Open incidents"},
    "wall_open_sub": {"zh": "已报警、已派警、处置中", "en": "reported, dispatched, handling"},
    "wall_blind": {"zh": "盲区警情", "en": "Blind incidents"},
    "wall_blind_sub": {
        "zh": "近 {days} 天，无在线摄像机覆盖",
        "en": "last {days} days, seen by no online camera",
    },
    "wall_feed": {"zh": "最新警情", "en": "Latest incidents"},
    "wall_hourly": {"zh": "近 24 小时警情", "en": "Incidents, last 24 hours"},
    "wall_legend": {"zh": "乡镇道路有效覆盖率", "en": "Townships: working road coverage"},
    "wall_updated": {"zh": "更新于 {time}", "en": "updated {time}"},
    "wall_reconnecting": {"zh": "正在重新连接…", "en": "reconnecting…"},
    "figures_as_of": {"zh": "覆盖率数据截至 {time}", "en": "figures as of {time}"},
}

STRINGS.update(
    {
        "plan_link": {"zh": "规划", "en": "Planning"},
        "shift_day": {"zh": "白班", "en": "Day"},
        "shift_night": {"zh": "夜班", "en": "Night"},
        "shift_all": {"zh": "全天", "en": "All day"},
        "map_link": {"zh": "地图", "en": "Map"},
        "plan_title": {"zh": "巡防与监控规划", "en": "Patrol and camera planning"},
        "plan_method": {"zh": "热点单元", "en": "Hot-spot units"},
        "plan_lattice": {"zh": "250米方格", "en": "250 m squares"},
        "plan_cells": {"zh": "网格", "en": "Grid cells"},
        "plan_hotspots": {"zh": "热点 (Gi*, 95%以上连片)", "en": "Hot spots (Gi*, 95 %+ groups)"},
        "plan_visited": {"zh": "有巡逻到访的热点", "en": "Hot spots visited by patrols"},
        "plan_never": {"zh": "从未到访", "en": "Never visited"},
        "plan_period": {"zh": "轨迹时段", "en": "Track period"},
        "plan_blind": {
            "zh": "盲区(无有效监控、无巡逻)",
            "en": "Blind spots (no working camera, no patrol)",
        },
        "plan_dosage": {"zh": "热点巡逻强度", "en": "Patrol dosage at hot spots"},
        "plan_whatif": {"zh": "假设分析", "en": "What-if"},
        "plan_whatif_hint": {
            "zh": "用地图左上角工具放置摄像机(标记)或绘制巡逻路线(折线),或在下方输入摄像机。",
            "en": "Place a camera (marker) or draw a patrol route (line) with the tools at the "
            "map's top left, or type a camera below.",
        },
        "plan_lon": {"zh": "经度", "en": "Longitude"},
        "plan_lat": {"zh": "纬度", "en": "Latitude"},
        "plan_az": {"zh": "方位角°", "en": "Azimuth °"},
        "plan_fov": {"zh": "视场角°", "en": "FOV °"},
        "plan_range": {"zh": "视距米", "en": "Range m"},
        "plan_add": {"zh": "添加摄像机", "en": "Add camera"},
        "plan_name": {"zh": "方案名称", "en": "Plan name"},
        "plan_save": {"zh": "保存为方案", "en": "Save as plan"},
        "plan_discard": {"zh": "放弃", "en": "Discard"},
        "plan_saved": {"zh": "已保存的方案", "en": "Saved plans"},
        "plan_none": {"zh": "暂无", "en": "None yet"},
        "plan_load": {"zh": "查看", "en": "Show"},
        "plan_apply": {"zh": "实施", "en": "Apply"},
        "plan_export": {"zh": "导出", "en": "Export"},
        "plan_delete": {"zh": "删除", "en": "Delete"},
        "plan_applied": {"zh": "已实施", "en": "applied"},
        "plan_items": {
            "zh": "{cameras} 台摄像机, {routes} 条路线",
            "en": "{cameras} cameras, {routes} routes",
        },
        "plan_unit": {"zh": "单位", "en": "Unit"},
        "plan_before_after": {"zh": "之前 → 之后", "en": "before → after"},
        "plan_optimise": {
            "zh": "优化: 新增摄像机选址",
            "en": "Optimise: where should the next cameras go",
        },
        "plan_count": {"zh": "数量", "en": "Count"},
        "plan_run": {"zh": "计算", "en": "Run"},
        "plan_use": {"zh": "用于假设分析", "en": "Use as what-if"},
        "plan_route": {"zh": "巡逻路线建议", "en": "Patrol route suggestion"},
        "plan_shift": {"zh": "班次", "en": "Shift"},
        "plan_budget": {"zh": "长度上限(公里)", "en": "Length budget (km)"},
        "plan_route_none": {"zh": "预算内无法到达任何热点", "en": "No hot spot within the budget"},
        "plan_newly": {"zh": "新覆盖警情", "en": "Incidents newly covered"},
        "plan_length": {"zh": "长度", "en": "Length"},
        "plan_through": {"zh": "经过热点", "en": "Through hot spots"},
        "plan_kind": {"zh": "类型", "en": "Kind"},
        "plan_visits": {"zh": "到访次数 日/夜", "en": "Visits day/night"},
        "plan_minutes": {"zh": "停留(人·分钟)", "en": "Presence (unit-min)"},
        "plan_gap": {"zh": "最长间隔(时) 日/夜", "en": "Longest gap (h) day/night"},
        "col_incidents": {"zh": "警情", "en": "Incidents"},
    }
)

# Jurisdiction (geo/jurisdiction.py): a link to a unit outside the account's
STRINGS["not_in_jurisdiction"] = {"zh": "不在您的管辖范围内", "en": "Not in your jurisdiction"}
# The leaders' map (issue 19): target, legend classes, briefing, playback
STRINGS.update(
    {
        "target": {"zh": "目标", "en": "Target"},
        "legend_quantiles": {
            "zh": "按 {n} 个单元分位分级",
            "en": "quantile classes of the {n} units shown",
        },
        "legend_single": {"zh": "仅 1 个单元：其数值", "en": "the one unit shown: its value"},
        "legend_below": {
            "zh": "低于目标 {target}%（虚线框）",
            "en": "below target {target} % (dashed outline)",
        },
        "target_line": {"zh": "目标 {target}%", "en": "target {target} %"},
        "export_briefing": {"zh": "导出简报", "en": "Export briefing"},
        "briefing_title": {"zh": "态势简报", "en": "Briefing"},
        "briefing_exported": {
            "zh": "导出时间 {time} · 账号 {account}",
            "en": "exported {time} · account {account}",
        },
        "briefing_window": {"zh": "时间窗 {start} 至 {end}", "en": "window {start} to {end}"},
        "briefing_failed": {
            "zh": "简报生成失败：{error}",
            "en": "The briefing could not be made: {error}",
        },
        "play": {"zh": "播放", "en": "Play"},
        "pause": {"zh": "暂停", "en": "Pause"},
        "play_speed": {"zh": "速度(帧/秒)", "en": "Speed (frames/s)"},
        "play_step": {"zh": "步长", "en": "Step"},
        "play_hour": {"zh": "1小时", "en": "1 hour"},
        "play_day": {"zh": "1天", "en": "1 day"},
        "play_mode": {"zh": "显示", "en": "Frame"},
        "play_cumulative": {"zh": "累计", "en": "Cumulative"},
        "play_sliding": {"zh": "滑动(24小时/7天)", "en": "Sliding (24 h / 7 days)"},
        "play_back": {"zh": "后退一步", "en": "Step back"},
        "play_forward": {"zh": "前进一步", "en": "Step forward"},
        "play_reset": {"zh": "结束回放", "en": "End playback"},
        "play_time": {"zh": "回放时间", "en": "Playback time"},
        "play_chart": {
            "zh": "所选单元警情：星期 × 小时",
            "en": "Selected unit's incidents: weekday × hour",
        },
    }
)


def t(key: str, lang: str) -> str:
    """Return the string ``key`` in ``lang`` ('zh' or 'en')."""
    return STRINGS[key]["en" if lang == "en" else "zh"]


# "How is this computed": one sentence per figure (DOMAIN.md's definition), then when
# (dashboard/map/notes.py).
STRINGS.update(
    {
        "how": {"zh": "如何计算", "en": "How is this computed"},
        "how_camera_area_pct": {
            "zh": "单元面积中位于至少一台在线摄像机视场内的比例，重叠视场只计一次。",
            "en": "Share of the unit's area inside the view of at least one online camera; "
            "overlapping views count once.",
        },
        "how_camera_road_pct": {
            "zh": "单元内道路长度中位于在线摄像机视场内的比例；"
            "沿单元边界的道路全长计入两侧单元，上级只计一次。",
            "en": "Share of the unit's road length inside an online camera's view; a road along "
            "the unit's border counts in full on both sides, once in their parent.",
        },
        "how_patrol_pct": {
            "zh": "单元面积中距巡逻路线 {buffer} 米以内的比例。",
            "en": "Share of the unit's area within {buffer} m of a patrol route.",
        },
        "how_combined_pct": {
            "zh": "单元面积中被在线摄像机视场或巡逻缓冲区覆盖的比例。",
            "en": "Share of the unit's area seen by an online camera or within a patrol buffer.",
        },
        "how_working_rate_pct": {
            "zh": "单元内在线摄像机数占全部摄像机数的比例。",
            "en": "Online cameras out of all the cameras in the unit.",
        },
        "how_cameras": {
            "zh": "单元内状态为在线的摄像机数 / 全部摄像机数。",
            "en": "Cameras in the unit whose status is online / all its cameras.",
        },
        "how_incidents": {
            "zh": "时段内发生在单元内的警情数(按所选类别和状态)；恰在边界上的警情只计入一个单元。",
            "en": "Incidents of the window in the unit (chosen categories and statuses); "
            "one exactly on a border counts in one unit.",
        },
        "how_blind_incidents": {
            "zh": "时段内单元中不在任何在线摄像机视场内的警情数。",
            "en": "Incidents of the window in the unit outside every online camera's view.",
        },
        "how_incident_coverage_pct": {
            "zh": "时段内单元警情中位于在线摄像机视场内的比例。",
            "en": "Share of the window's incidents in the unit inside an online camera's view.",
        },
        "how_incident_rate": {
            "zh": "时段内单元警情数除以常住人口，按每千人计。",
            "en": "Incidents of the window per 1,000 residents of the unit.",
        },
        "how_open": {
            "zh": "单元内当前处于已报警、已派警或处置中的警情数，不论发生时间。",
            "en": "The unit's incidents now reported, dispatched or being handled, "
            "whenever they occurred.",
        },
        "how_area": {
            "zh": "单元自身多边形的地面面积，在度量坐标系中计算(不按经纬度)。",
            "en": "The unit's own polygon's area on the ground, measured in the metric CRS "
            "(never in degrees).",
        },
        "how_population": {
            "zh": "常住人口 / 户数，随网格数据导入，未经计算。",
            "en": "Resident population / households as imported with the cell's data; "
            "not computed.",
        },
        "how_computed": {
            "zh": "覆盖率计算于 {time}(据当时的摄像机、巡逻路线和道路)。",
            "en": "Coverage computed {time} from the cameras, routes and roads then.",
        },
        "how_not_computed": {"zh": "覆盖率尚未计算。", "en": "Coverage not computed yet."},
        "how_window": {
            "zh": "时段 {start} 至 {end}；统计于 {now}。",
            "en": "Window {start} to {end}; counted {now}.",
        },
        "how_now": {"zh": "统计于 {now}。", "en": "Counted {now}."},
    }
)
# Accessibility and the planning page's tables (issue 21)
STRINGS.update(
    {
        "skip_to_map": {"zh": "跳到地图", "en": "Skip to the map"},
    }
)
STRINGS.update(
    {
        "plan_selected": {
            "zh": "选中的摄像机：方位角 {az:.0f}°，视场角 {fov:.0f}°，视距 {range:.0f} 米"
            "（修改上方数值即可调整；点击地图上的摄像机可选中）",
            "en": "Selected camera: azimuth {az:.0f}°, field of view {fov:.0f}°, "
            "range {range:.0f} m "
            "(edit the values above to change it; click a camera on the map to select it)",
        },
    }
)
STRINGS.update(
    {
        "tip_camera_area_pct": {
            "zh": "在线摄像机视域覆盖的面积占比(%)",
            "en": "Share of the area seen by online cameras (%)",
        },
        "tip_camera_road_pct": {
            "zh": "在线摄像机视域覆盖的道路长度占比(%)",
            "en": "Share of the road length seen by online cameras (%)",
        },
        "tip_combined_pct": {
            "zh": "在线摄像机或巡逻缓冲区覆盖的面积占比(%)",
            "en": "Share of the area covered by an online camera or a patrol buffer (%)",
        },
        "tip_blind_incidents": {
            "zh": "时间窗内不在任何在线摄像机视域内的警情数(起)",
            "en": "Incidents of the window outside every online camera's view (count)",
        },
        "tip_incident_coverage_pct": {
            "zh": "时间窗内位于在线摄像机视域内的警情占比(%)",
            "en": "Share of the window's incidents inside an online camera's view (%)",
        },
    }
)
STRINGS.update(
    {
        "plan_window": {"zh": "警情时间窗", "en": "Incident window"},
        "plan_unit_patrol": {"zh": "巡逻组", "en": "Patrol unit"},
        "dd_search": {"zh": "搜索", "en": "Search"},
        "dd_clear_search": {"zh": "清除搜索", "en": "Clear search"},
        "dd_clear_selection": {"zh": "清除选择", "en": "Clear selection"},
        "dd_select_all": {"zh": "全选", "en": "Select all"},
        "dd_deselect_all": {"zh": "全不选", "en": "Deselect all"},
        "dd_selected_count": {"zh": "已选 {num_selected} 项", "en": "{num_selected} selected"},
        "dd_no_options": {"zh": "无匹配项", "en": "No options found"},
    }
)


def dropdown_labels(lang: str) -> Any:
    """Return the texts Dash's Dropdown draws itself ("Search", "Select all", ...) in ``lang``."""
    keys = {
        "search": "dd_search",
        "clear_search": "dd_clear_search",
        "clear_selection": "dd_clear_selection",
        "select_all": "dd_select_all",
        "deselect_all": "dd_deselect_all",
        "selected_count": "dd_selected_count",
        "no_options_found": "dd_no_options",
    }
    return {prop: t(key, lang) for prop, key in keys.items()}


STRINGS.update(
    {
        "wall_now": {"zh": "现在", "en": "now"},
        "wall_yesterday": {"zh": "昨天", "en": "yesterday"},
    }
)
STRINGS.update(
    {
        "help_title": {"zh": "该图层需要的字段", "en": "Fields of this layer"},
        "help_field": {"zh": "字段", "en": "Field"},
        "help_aliases": {
            "zh": "可用的列名(中文别名)",
            "en": "Column names accepted (Chinese aliases)",
        },
        "help_values": {"zh": "取值", "en": "Values"},
        "help_required": {"zh": "必填", "en": "required"},
        "help_optional": {"zh": "可选", "en": "optional"},
        "help_geometry": {"zh": "几何类型：", "en": "Geometry:"},
        "help_text": {"zh": "文本", "en": "text"},
        "help_code": {
            "zh": "编码(统计区划代码规则)",
            "en": "a code (statistical division code rules)",
        },
        "help_int": {"zh": "整数", "en": "an integer"},
        "help_float": {"zh": "数值", "en": "a number"},
        "help_date": {"zh": "日期 YYYY-MM-DD", "en": "a date, YYYY-MM-DD"},
        "help_time": {
            "zh": "日期时间，如 2026-11-01 08:30(无时区按本地时区)",
            "en": "a date and time, e.g. 2026-11-01 08:30 (no zone: local time)",
        },
        "help_enum": {"zh": "其中之一", "en": "one of"},
        "help_formats": {
            "zh": "格式：GeoJSON(.geojson/.json)、Shapefile(.zip 为压缩的 Shapefile，"
            "或 .shp 连同 .dbf/.shx/.prj/.cpg)、GeoPackage(.gpkg)、"
            "CSV(经纬度列 lon/lat、经度/纬度，或 WKT 列)、GPX、KML/KMZ、"
            "OpenStreetMap(.osm/.osm.pbf，道路)。",
            "en": "Formats: GeoJSON (.geojson/.json), "
            "Shapefile (.zip is a zipped Shapefile, or the .shp "
            "with its .dbf/.shx/.prj/.cpg), GeoPackage (.gpkg), "
            "CSV (lon/lat columns or a WKT column), "
            "GPX, KML/KMZ, OpenStreetMap (.osm/.osm.pbf, roads).",
        },
        "help_limit": {
            "zh": "文件大小上限 {mb} MB(压缩包按解压后大小计)。",
            "en": "Largest file: {mb} MB (an archive: also decompressed).",
        },
        "help_template": {
            "zh": "下载该图层的 CSV 模板",
            "en": "Download this layer's CSV template",
        },
        "import_territory": {"zh": "辖区边界", "en": "Territory"},
    }
)
STRINGS.update(
    {
        "plan_fly": {
            "zh": "点击或回车：在地图上定位",
            "en": "Click or press Enter: show it on the map",
        },
        "plan_rank": {"zh": "序号", "en": "#"},
        "plan_id": {"zh": "编号", "en": "Id"},
        "tip_plan_id": {
            "zh": "地图上标注的编号：H 为热点，C 为警情聚集区",
            "en": "The label on the map: H hot spot, C cluster",
        },
        "plan_place": {"zh": "位置", "en": "Place"},
        "tip_plan_place": {"zh": "所在乡镇 · 村", "en": "Township · village"},
        "col_unguarded": {"zh": "无防护警情", "en": "Unguarded incidents"},
        "tip_col_unguarded": {
            "zh": "时间窗内既不在在线摄像机视域内、也不在巡逻缓冲区内的警情数(起)",
            "en": "Incidents of the window outside every online camera's view and every patrol "
            "buffer (count)",
        },
        "col_incidents_all": {"zh": "全部警情", "en": "All incidents"},
        "tip_col_incidents_all": {
            "zh": "时间窗内热点内的全部警情数(起)",
            "en": "All incidents of the window in the hot spot (count)",
        },
        "tip_plan_visits": {
            "zh": "巡逻到访次数(白班 / 夜班)：同一巡逻组 10 分钟内的连续定位算一次",
            "en": "Patrol visits (day / night shift): "
            "one unit's fixes at most 10 minutes apart are one visit",
        },
        "tip_plan_minutes": {
            "zh": "轨迹时段内各巡逻组停留分钟数之和(人·分钟)，可超过时段长度",
            "en": "Minutes of presence summed over the patrol units (unit-minutes) over the track "
            "period; can exceed the period's length",
        },
        "tip_plan_gap": {
            "zh": "白班 / 夜班内无巡逻的最长时间(小时)",
            "en": "Longest time without a patrol in the day / night shift (hours)",
        },
        "tip_plan_rank": {
            "zh": "按本表最后一列从多到少排列",
            "en": "In the order of the table's last column, most first",
        },
        "tip_plan_kind": {
            "zh": "热点盲区：热点中摄像机和巡逻都未覆盖的部分；警情聚集盲区：无防护警情的聚集",
            "en": "Hot spot: the part of a hot spot no camera sees and no patrol passes; incident "
            "cluster: a cluster of unguarded incidents",
        },
        "tip_plan_az": {
            "zh": "摄像机朝向，度，正北为 0、顺时针",
            "en": "Where the camera looks, degrees clockwise from north",
        },
        "tip_plan_fov": {"zh": "水平视场角(度)", "en": "Horizontal field of view (degrees)"},
        "tip_plan_range": {"zh": "有效视距(米)", "en": "Range it sees at (metres)"},
        "tip_plan_newly": {
            "zh": "此摄像机新覆盖、此前各摄像机未覆盖的警情数(起)；各行之和为方案的增量",
            "en": "Incidents this camera covers that no camera above it does (count); the rows "
            "add up to the plan's gain",
        },
        "plan_never_short": {"zh": "从未到访", "en": "never visited"},
        "plan_period_text": {
            "zh": "轨迹时段 {start} – {end}({zone})；热点按近 {days} 天警情计算",
            "en": "Tracks {start} – {end} ({zone}); hot spots from the last {days} days' incidents",
        },
    }
)

# The cell panel: an empty chart says so
STRINGS.update(
    {
        "cell_no_incidents": {
            "zh": "时段内本网格没有警情。",
            "en": "No incidents in this cell in the window.",
        },
    }
)
