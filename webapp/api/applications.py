"""/api/v1 applications, task completion, records and grants."""
from __future__ import annotations

from webapp.api import bp  # noqa: F401
