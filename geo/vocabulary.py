"""Names of the enumerated values of DOMAIN.md, in English and Chinese.

The map shows them in popups and panels; the importers accept the Chinese names as well as the
codes.
"""

from __future__ import annotations

CAMERA_STATUS = {
    "online": ("online", "在线"),
    "offline": ("offline", "离线"),
    "fault": ("fault", "故障"),
}
CAMERA_KIND = {
    "gun": ("gun", "枪机"),
    "dome": ("dome", "球机"),
    "ptz": ("PTZ", "云台"),
    "checkpoint": ("checkpoint", "卡口"),
}
ROAD_CLASS = {
    "highway": ("highway", "国道/高速"),
    "main": ("main road", "主干道"),
    "local": ("local road", "支路"),
    "track": ("track", "机耕路"),
}
SHIFT = {"day": ("day", "白班"), "night": ("night", "夜班"), "all": ("all day", "全天")}
INCIDENT_CATEGORY = {
    "theft": ("theft", "盗窃"),
    "dispute": ("dispute", "纠纷"),
    "assault": ("assault", "伤害"),
    "traffic": ("traffic", "交通"),
    "fire": ("fire", "火灾"),
    "fraud": ("fraud", "诈骗"),
    "public_order": ("public order", "治安"),
    "other": ("other", "其他"),
}
INCIDENT_STATUS = {
    "reported": ("reported", "已报警"),
    "dispatched": ("dispatched", "已派警"),
    "handling": ("handling", "处置中"),
    "closed": ("closed", "已结案"),
}
LEVEL = {
    "province": ("province", "省"),
    "city": ("city", "市"),
    "county": ("county", "县"),
    "township": ("township", "乡镇"),
    "village": ("village", "村"),
}
# Incident severity 1-4 (the incidents layer's legend names them the same)
SEVERITY = {
    1: ("severity 1", "一般"),
    2: ("severity 2", "较重"),
    3: ("severity 3", "严重"),
    4: ("severity 4", "特别严重"),
}
