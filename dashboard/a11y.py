"""Accessibility helpers for the pages' layouts.

The repairs of third-party markup are in ``assets/a11y.js``.
"""

from __future__ import annotations

from typing import Any


def named(text: str) -> dict[str, Any]:
    """Return the attributes of a wrapper ``html.Div`` that names the control group inside it.

    Dash's radio lists and dropdowns take no ARIA attributes, so ``assets/a11y.js`` gives them this
    name.
    """
    return {"data-gs-label": text}
