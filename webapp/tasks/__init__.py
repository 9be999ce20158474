"""待办 / 已办, the task page and 常用意见.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.tasks import views
from webapp.tasks.blueprint import bp

__all__ = ["bp", "views"]
