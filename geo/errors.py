"""The small hierarchy of Gridsight's domain errors.

Every error says what was wrong and what to do; the command lines print the message and exit
non-zero, the dashboard shows it in one alert. None of them is meant to reach a user as a traceback.
"""

from __future__ import annotations


class GridsightError(Exception):
    """Base of every error Gridsight raises on purpose."""


class SettingsError(GridsightError):
    """A setting has a value that is not allowed."""


class DatabaseUnavailable(GridsightError):
    """PostGIS cannot be started or reached; the message says why and what to do."""


class DataError(GridsightError):
    """Input data is wrong.

    The message names the source, the feature, the field, the value, and what was expected.
    """


class NotFound(GridsightError):
    """A unit, layer or feature that was asked for does not exist."""


class PermissionDenied(GridsightError):
    """The signed-in account's role or jurisdiction does not allow what was asked."""
