"""The catalogue of import error messages in Chinese and English, keyed by the error's kind.

The key is :attr:`etl.validation.FeatureError.kind`; the dashboard shows an error in the page's
language.

The English message is the error's own ``expected`` text (what the command line prints); the
Chinese one is built from the catalogue and the layer's field (its range or choices), with the
English detail kept only where it is data (a geometry problem, the other feature's number).
"""

from __future__ import annotations

import re

from etl.fields import LayerSpec
from etl.validation import FeatureError

_CJK = re.compile(r"[\u3400-\u9fff]")

CATALOGUE: dict[str, dict[str, str]] = {
    "missing": {"zh": "缺少必填值，应为{what}", "en": "expected a value ({what})"},
    "text": {"zh": "应为文本(不含 NUL 字符)", "en": "expected text"},
    "code": {"zh": "应为编码文本", "en": "expected a code"},
    "int": {"zh": "应为整数{range}", "en": "expected an integer{range}"},
    "float": {"zh": "应为有限数值{range}", "en": "expected a number{range}"},
    "enum": {"zh": "应为以下之一：{choices}", "en": "expected one of {choices}"},
    "date": {"zh": "应为日期，格式 YYYY-MM-DD", "en": "expected a date (YYYY-MM-DD)"},
    "datetime": {
        "zh": "应为日期时间，如 2026-11-01 08:30 或 2026-11-01T08:30:00+08:00",
        "en": "expected a date and time such as 2026-11-01 08:30",
    },
    "derived": {
        "zh": "与编码不符(编码决定层级、上级和所属村)：{detail}",
        "en": "expected {detail}",
    },
    "geometry": {"zh": "几何有误：{detail}", "en": "{detail}"},
    "duplicate": {"zh": "文件中重复出现：{detail}", "en": "expected {detail}"},
    "reference": {"zh": "上级编码在数据库和本文件中都不存在", "en": "expected {detail}"},
    "other": {"zh": "{detail}", "en": "{detail}"},
}
_KIND_WORD = {
    "text": "文本",
    "code": "编码",
    "int": "整数",
    "float": "数值",
    "enum": "枚举值",
    "date": "日期",
    "datetime": "日期时间",
}


def _range(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    parts = ([f"{'>' if low_open else '≥'} {low:g}"] if low is not None else []) + (
        [f"{'<' if high_open else '≤'} {high:g}"] if high is not None else []
    )
    return f" ({', '.join(parts)})" if parts else ""


def describe(error: FeatureError, spec: LayerSpec, lang: str) -> str:
    """Say what is wrong with ``error``'s value and what was expected.

    In ``lang``: 'zh' or 'en'.
    """
    if lang == "en":
        return error.expected
    template = CATALOGUE.get(error.kind, CATALOGUE["other"])["zh"]
    name = error.field.split(" ", 1)[0]
    field = next((f for f in spec.fields if f.name == name), None)
    if field is None:
        return template.format(what="", range="", choices="", detail=error.expected)
    chinese: dict[str, str] = {}  # the first Chinese spelling: the vocabulary's own name
    for spelling, code in field.choices.items():
        if _CJK.search(spelling):
            chinese.setdefault(code, spelling)
    choices = ", ".join(
        f"{c}({chinese[c]})" if c in chinese else c for c in sorted(set(field.choices.values()))
    )
    bounds = _range(field.low, field.high, field.low_open, field.high_open)
    what = f"以下之一：{choices}" if choices else f"{_KIND_WORD.get(field.kind, '')}{bounds}"
    return template.format(what=what, range=bounds, choices=choices, detail=error.expected)
