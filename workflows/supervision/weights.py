"""The bureau's weights of the scorecard's parts: set from a month on, never for a period already begun."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, calendar, clock
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import Person, Role, ScorecardWeights
from workflows.supervision.periods import Period, parse_period


@dataclass(frozen=True)
class PartRule:
    key: str
    label: str
    weight: int  # the default, before the bureau sets its own
    rule: str  # how the part's score is reckoned, as the card says it


PARTS = (
    PartRule("catalog", "目录管理", 25, "目录更新、纠错按期完成率 ×100；每个超过 10 个工作日未发布的草稿扣 5 分"),
    PartRule("review", "审核办理", 30, "审核按期完成率 ×100；每件经异议认定应当重新审核的决定扣 10 分"),
    PartRule("objections", "异议情况", 15, "100 分起，每件认定成立的针对本单位的异议扣 10 分"),
    PartRule("security", "安全使用", 15, "100 分起，本期发生的每起数据安全事件（本单位作为使用单位）扣 20 分"),
    PartRule("responsibility", "责任落实", 15, "第一责任人、分管领导、科室负责人三项中已明确的比例 ×100"),
)
DEFAULT_WEIGHTS = {p.key: p.weight for p in PARTS}


def weights_for(session: Session, period: Period) -> dict[str, int]:
    """The weights in force when the period began: a change applies from its month on, never to a period before."""
    row = session.scalar(
        select(ScorecardWeights)
        .where(ScorecardWeights.effective_from <= period.start)
        .order_by(ScorecardWeights.effective_from.desc())
        .limit(1)
    )
    return DEFAULT_WEIGHTS | (row.weights if row else {})


def weight_history(session: Session) -> list[ScorecardWeights]:
    return list(session.scalars(select(ScorecardWeights).order_by(ScorecardWeights.effective_from.desc())))


def set_weights(session: Session, actor: Person, from_month: str, raw: dict, note: str = "") -> ScorecardWeights:
    """The bureau's weights from a month on (this month or later: a closed period keeps the weights it had)."""
    if not actor.has_role(Role.COORDINATOR):
        raise Forbidden("只有县大数据局协调员可以设置考核权重")
    problems, weights = [], {}
    today = clock.today()
    earliest = calendar.month_start(today, 1)  # next month: a running period keeps its weights
    typed = (from_month or "").strip()
    period = parse_period(typed) if re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", typed) else None
    if period is None:
        problems.append(f"起始月份：“{typed[:10]}”不是月份，请按 {earliest:%Y-%m} 的格式填写（月份为 01–12）")
    elif period.start < earliest:
        problems.append(
            f"起始月份：{period.label}已经开始或结束，权重只能从下个月（{earliest:%Y-%m}）起调整，已开始的期间按原权重计分"
        )
    elif period.start > (latest := calendar.month_start(earliest, 12)):
        problems.append(f"起始月份：最远只能设到一年后（{latest:%Y-%m}），请核对年份")
    for part in PARTS:
        text = str(raw.get(part.key, "")).strip()
        if not (text.isascii() and text.isdigit() and int(text) <= 100):
            problems.append(f"{part.label}的权重：应为 0 到 100 的整数（半角数字），现为“{text[:10]}”")
            continue
        weights[part.key] = int(text)
    if not problems and sum(weights.values()) == 0:
        problems.append("权重：至少一项大于 0")
    if len(note.strip()) > 500:
        problems.append("说明：不能超过 500 个字")
    if problems:
        raise ValidationFailed(problems, "考核权重未保存，请按提示修改")
    row = session.scalar(select(ScorecardWeights).where(ScorecardWeights.effective_from == period.start))
    before = row.weights if row else weights_for(session, period)
    if row is None:
        row = ScorecardWeights(effective_from=period.start)
        session.add(row)
    row.weights, row.note, row.set_by_id, row.set_at = weights, note.strip(), actor.id, clock.now()
    session.flush()
    audit.record(
        session, actor.id, "scorecard_weights", row.id, "scorecard_weights:set", before, weights | {"from": period.key}
    )
    return row
