"""单位考核 (监督评估, 六(三)): each unit's card for a month, a quarter or a year, computed from the system's own
records. Every figure carries the cases that made it, so a unit can check it. The bureau's coordinators set the
weights from a month on; a closed period's cards are kept as first computed after it, so they never change."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflows import calendar, clock
from workflows.errors import NotFound, ValidationFailed
from workflows.models import Person, Role, Scorecard, Unit
from workflows.sharing.visibility import units_of
from workflows.supervision.card_parts import LATE_REVIEWS, LISTED, SCORERS, Card, Figure, Part, records_of
from workflows.supervision.periods import Period, month_key, parse_period, quarter_key
from workflows.supervision.weights import PARTS, weights_for

__all__ = ["LATE_REVIEWS", "Card", "Figure", "Part"]  # what the report, the pages and the API read of a card


# --- cards -----------------------------------------------------------------------------------------------------
def compute(session: Session, period: Period) -> list[Card]:
    """Every active unit's card for the period, as of now (or the period's end), ranked."""
    records = records_of(session, period, clock.now())
    weights = weights_for(session, period)
    cards = []
    for unit in session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)):
        parts = []
        for rule in PARTS:
            score, figures = SCORERS[rule.key](session, records, unit)
            parts.append(Part(rule.key, rule.label, rule.rule, weights.get(rule.key, 0), round(score, 1), figures))
        parts += [Part(key, label, rule, 0, 0.0, figures(records, unit)) for key, label, rule, figures in LISTED]
        total = sum(p.weight for p in parts)
        score = round(sum(p.weight * p.score for p in parts) / total, 1) if total else 0.0
        cards.append(Card(unit.id, unit.name, score, 0, parts))
    cards.sort(key=lambda c: (-c.score, c.unit_name))
    for place, card in enumerate(cards):
        card.rank = cards[place - 1].rank if place and cards[place - 1].score == card.score else place + 1
    return cards


def cards_for(session: Session, period: Period) -> list[Card]:
    """A closed period's kept cards (kept at the first reading after it ended); a running period's, computed now."""
    if not period.closed(clock.today()):
        return compute(session, period)
    kept = list(
        session.scalars(select(Scorecard).where(Scorecard.period == period.key).order_by(Scorecard.rank, Scorecard.id))
    )
    if not kept:
        cards = compute(session, period)
        try:
            with session.begin_nested():
                session.add_all(
                    Scorecard(
                        period=period.key,
                        unit_id=c.unit_id,
                        score=c.score,
                        rank=c.rank,
                        parts=[asdict(p) for p in c.parts],
                        computed_at=clock.now(),
                    )
                    for c in cards
                )
            return cards
        except IntegrityError:  # kept meanwhile by another reader: theirs is the card
            return cards_for(session, period)
    return [_kept(row) for row in kept]


def keep_closed(session: Session) -> int:
    """The periodic pass keeps the month (and the quarter, the year) just ended at its first run after: the
    figures that read the present (drafts, responsible persons) are then those of the period's end."""
    today = clock.today()
    last = calendar.month_start(today, -1)
    kept = 0
    for key in (month_key(last), quarter_key(last), str(last.year)):
        period = parse_period(key)
        if (
            period.closed(today)
            and session.scalar(select(Scorecard.id).where(Scorecard.period == key).limit(1)) is None
        ):
            cards_for(session, period)
            kept += 1
    return kept


def _kept(row: Scorecard) -> Card:
    parts = [Part(**(p | {"figures": [Figure(**f) for f in p["figures"]]})) for p in row.parts]
    return Card(row.unit_id, row.unit.name, row.score, row.rank, parts)


@dataclass
class Ranking:
    """The county's cards for a period as one person may read them: every unit's score and rank, and the parts of
    the units whose detail the person may see (their own; every unit for the bureau)."""

    period: str
    label: str
    closed: bool
    weights: dict[str, int]
    items: list[Card]


def ranking_for(session: Session, person: Person, period: Period) -> Ranking:
    begun(period)
    cards = [
        c if may_see_detail(person, c.unit_id) else Card(c.unit_id, c.unit_name, c.score, c.rank, [])
        for c in cards_for(session, period)
    ]
    return Ranking(period.key, period.label, period.closed(clock.today()), weights_for(session, period), cards)


def may_see_detail(person: Person, unit_id: int) -> bool:
    """A unit sees its own card in detail; the bureau's coordinators see every unit's."""
    return person.has_role(Role.COORDINATOR) or unit_id in units_of(person)


def unit_in_view(session: Session, person: Person, unit_id: int | None, refused: str) -> Unit | None:
    """Which unit a supervision page shows: the bureau the county (None) or any unit; everyone else their own unit,
    or one whose card they may read (`refused` says what else to do)."""
    if person.has_role(Role.COORDINATOR):
        if unit_id is None:
            return None
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound("单位不存在")
        return unit
    own = session.get(Unit, person.unit_id)
    if unit_id is not None and unit_id != own.id and not may_see_detail(person, unit_id):
        raise NotFound(refused)
    return session.get(Unit, unit_id) if unit_id is not None else own


def begun(period: Period) -> None:
    """A period not yet begun has no cards (every unit would show a full score)."""
    if period.start > clock.today():
        raise ValidationFailed([f"考核期间：{period.label}尚未开始，请选择本月或以前的期间"], "考核期间有误")


def card_of(session: Session, person: Person, period: Period, unit_id: int) -> Card:
    begun(period)
    card = next((c for c in cards_for(session, period) if c.unit_id == unit_id), None)
    if card is None or not may_see_detail(person, unit_id):
        raise NotFound("没有该单位的考核结果，或您无权查看其他单位的考核明细")
    return card
