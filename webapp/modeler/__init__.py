"""流程管理: the browser modeler, versions and moving running cases.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.modeler import history, views
from webapp.modeler.blueprint import bp

__all__ = ["bp", "history", "views"]
