"""Interface strings in Chinese (zh-CN) and English; every key exists in both."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "网格态势 Gridsight", "en": "Gridsight"},
    "subtitle": {"zh": "网格化治安态势感知", "en": "Grid-based public-safety situational awareness"},
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
    "no_data": {"zh": "数据库中暂无数据：请运行 python -m etl demo", "en": "No data yet: run python -m etl demo"},
}


def t(key: str, lang: str) -> str:
    """The string ``key`` in ``lang`` ('zh' or 'en')."""
    return STRINGS[key]["en" if lang == "en" else "zh"]
