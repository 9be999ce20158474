"""GET /api/v1/scorecards: the county's unit scorecards for a period, as the ranking page shows them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from flask import jsonify, request
from pydantic import BaseModel, Field

from webapp.api.blueprint import bp
from webapp.extensions import db
from webapp.security import current_person
from workflows import inputs
from workflows.supervision import periods, scorecards


class ScorecardQuery(BaseModel):
    """GET /api/v1/scorecards: which period."""

    period: Annotated[
        str,
        Field(
            title="考核期间",
            max_length=10,
            description="考核期间：2026-11（月）、2026-Q4（季度）或 2026（年）；不填为本月",
        ),
    ] = ""


@bp.get("/scorecards")
def scorecards_list():
    query = inputs.parse_query(ScorecardQuery, request.args, blank_means_all=False)
    period = periods.parse_period(query.period)
    return jsonify(asdict(scorecards.ranking_for(db.session, current_person(), period)))
