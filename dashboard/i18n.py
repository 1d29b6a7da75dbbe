"""Interface strings in Chinese (zh-CN) and English; every key exists in both."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "网格态势 Gridsight", "en": "Gridsight"},
    "subtitle": {"zh": "网格化治安态势感知", "en": "Grid-based public-safety situational awareness"},
    "legend": {"zh": "图例", "en": "Legend"},
    "no_data": {"zh": "数据库中暂无数据：请运行 python -m etl demo", "en": "No data yet: run python -m etl demo"},
}


def t(key: str, lang: str) -> str:
    """The string ``key`` in ``lang`` ('zh' or 'en')."""
    return STRINGS[key]["en" if lang == "en" else "zh"]
