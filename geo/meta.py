"""Key-value facts the database keeps about itself (table ``gs_meta``).

For instance the dataset's kind and the refresh state.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def get(conn: Connection, key: str) -> str | None:
    """Return the value stored under ``key``, or None."""
    value = conn.execute(text("SELECT value FROM gs_meta WHERE key = :k"), {"k": key}).scalar()
    return None if value is None else str(value)


def put(conn: Connection, key: str, value: str) -> None:
    """Store ``value`` under ``key`` (in the caller's transaction)."""
    conn.execute(
        text(
            "INSERT INTO gs_meta (key, value) VALUES (:k, :v) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
        ),
        {"k": key, "v": value},
    )
