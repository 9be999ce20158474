"""督导考核 pages: the unit scorecard (ranking, a unit's card, the bureau's weights).

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.supervision import views
from webapp.supervision.blueprint import bp

__all__ = ["bp", "views"]
