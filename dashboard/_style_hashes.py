"""The ``<style>`` texts the pages' own JavaScript inserts, allowed by the CSP by their SHA-256.

With ``style-src 'self'`` and no ``'unsafe-inline'``, a ``<style>`` element runs only if its text
is one of these; a ``style="..."`` attribute in parsed HTML never does. Styles set through the CSSOM
(``element.style.x = ...``, ``insertRule``: Leaflet's positions, Plotly's SVG) are not subject to
the CSP. Measured in Chromium on every page (``tests/test_csp.py``), both languages: the bundles
below add these fixed texts when they load (Leaflet and its plugins and Dash's components through
webpack's style-loader; Plotly its MapLibre sheet, and empty ``<style>`` elements it fills by
``insertRule``; dcc.Loading's dot spinner with its default colour). The texts belong to the pinned
versions (``requirements.txt``: dash 4.4.1, dash-leaflet 1.1.3, plotly 7.1.0); after an upgrade the
test fails naming the hash Chromium asks for and where the text comes from.
"""

from __future__ import annotations

# (CSP source, the bundle that inserts the text: how the text starts)
STYLE_HASHES: tuple[tuple[str, str], ...] = (
    ("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "(empty: Plotly, style-loader)"),
    ("sha256-Su7lkWyrR39ozUimPZSARr9qtPsgwvk98P/VAGbG6v8=", "dash_leaflet: leaflet.css"),
    ("sha256-ceeoylCL0ld4NwOaXf4vG0Z8pEknXXuzJ5ZV0Ir6ft4=", "dash_leaflet: .leaflet-bar button"),
    ("sha256-vEFWWSptvAnmTyDLqu3LdoYyHTq0QbynLLSzYwyFY4A=", "dash_leaflet: .fullscreen-icon"),
    ("sha256-BvJwtF3ZgG8gcdZQ022TX/OW+AK0Sm8Fw++80SG4tXU=", "dash_leaflet: leaflet-gestures"),
    ("sha256-zmLg9fAzhthkQar0HsYlPE8MMx315AMYJ5uAXv1DH+k=", "dash_leaflet: .marker-cluster"),
    ("sha256-j1Z3vG9BYlqSP0PAgKRPVALn3N+OyHEXESbZCB9a3/Y=", "dash_leaflet: leaflet.draw.css"),
    ("sha256-Do5Z9ZqsPvCQTUBQS9BnDm/2+on7omuzuLYk5sbA+2s=", "dash_renderer: ._dash-undo-redo"),
    ("sha256-X2TqJwnIiE/ceDVeAdr7v7BOWBU6CEzE6qxlNzBzvBk=", "dcc: :root --Dash-Spacing"),
    ("sha256-ITR5T9OwskhdqdsliUJRmgp9ltOFAHgXe1F7eRvGnmQ=", "dcc: .dash-button"),
    ("sha256-Z8VokGxeiKThZOEmkdUgfW+jxbvItBwAXC8M1c4wqAM=", "dcc: .dash-options-list-option"),
    ("sha256-0IJGrxhCP5NUIafylLkj5118xkZH1kp5FmNio7NOckI=", "dcc: .dash-checklist-inline"),
    ("sha256-Aq43X0SlmB69maWGob4rp/UuSHhwePalkRRExtsxOJ8=", "dcc: .dash-radioitems-inline"),
    ("sha256-VUA+tqvhK3niMn7AdszqidMFPRh9FLqxB2iINUrsiTw=", "dcc: .dash-input-container"),
    ("sha256-+QoPrsxO0auPnxSulD3bAr9CoDGgzv7YRfYE0vfxeQI=", "dcc: .dash-textarea"),
    ("sha256-SkhFDxgIcEjMhRh19uSHWrkdnAlZ9rlskgr9yLsipa8=", "dcc: .dash-slider-root"),
    ("sha256-uDiOZWps1U7E8/0BTaQrclYMhVhRVE4dT0vb5X6nXOw=", "dcc: .tab-parent"),
    ("sha256-MJs2ke1SA6Cy3tTCZu2QH0rj0r//iNqU0idy9bM4leg=", "dcc: .dash-tooltip"),
    ("sha256-mKP5Nh9J+3FomkYQF5DWFgmUmC9oEOyh3LiTtE1PwKo=", "dcc: .dash-dropdown"),
    ("sha256-qEGuDmWUocBDRNl5EkqWygXBpSULJg2LpLIv8rQJqVY=", "dcc: .dash-datepicker"),
    ("sha256-bLbSKirjcdrDv2drliP8IjtmzgbNEFvt2M0bcjSIiPE=", "dcc: .dash-datepicker-calendar"),
    ("sha256-lsn/ZzqWfkYOzUU7BjYl3Yl7bQ8aBSpCwy4c+W4VfY4=", "dcc: Loading type=dot spinner"),
    ("sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o=", "plotly: .maplibregl-map"),
)


def style_sources() -> list[str]:
    """Return the CSP sources (``'sha256-...'``, quoted) of :data:`STYLE_HASHES`."""
    return [f"'{h}'" for h, _ in STYLE_HASHES]
