"""Fictional place and staff names for the demo county (no real people, no real places)."""

from __future__ import annotations

import numpy as np

TOWNSHIPS = [
    "城关镇",
    "东关街道",
    "西河乡",
    "北山镇",
    "南庄乡",
    "龙泉镇",
    "石门乡",
    "杨柳镇",
    "清水乡",
    "白马镇",
    "红旗乡",
    "长宁镇",
    "金川乡",
    "青石镇",
    "桃园乡",
    "柳林镇",
    "三交乡",
    "马坊镇",
]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海波宁辉"
_PLACE_SUFFIX = ["庄", "沟", "堡", "坪", "湾", "峪", "屯", "营", "家寨", "河", "岭", "店"]
_STREETS = ["东街", "西街", "南街", "北街", "新华", "解放", "人民", "文化", "建设", "和平", "胜利"]


def village_name(rng: np.random.Generator, urban: bool, index: int) -> str:
    """Make up a village (村) or, in the town center, community (社区) name."""
    if urban:
        return (
            f"{_STREETS[index % len(_STREETS)]}"
            f"{'一二三四五六七八九十'[index // len(_STREETS) % 10]}社区"
        )
    surname = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
    suffix = _PLACE_SUFFIX[int(rng.integers(len(_PLACE_SUFFIX)))]
    return f"{surname}家{suffix}村" if rng.random() < 0.4 else f"{surname}{suffix}村"


def staff_name(rng: np.random.Generator) -> str:
    """Make up a staff member's name (grid worker)."""
    given = "".join(_GIVEN[int(i)] for i in rng.integers(len(_GIVEN), size=int(rng.integers(1, 3))))
    return _SURNAMES[int(rng.integers(len(_SURNAMES)))] + given


def work_phone(rng: np.random.Generator) -> str:
    """Make up a work mobile number (11 digits)."""
    return f"13{int(rng.integers(0, 10))}{int(rng.integers(0, 10**8)):08d}"
