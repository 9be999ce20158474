"""One way from a refused domain action back to its page, so every form says what was wrong the same way.

    with refusal(lambda r: render_case(person, item_id, r.problems, {"reason": reason}, r.status)) as refused:
        app = applications.withdraw(db.session, person, item_id, reason)
    if refused:
        return refused.page  # the case page again: the problems, the reason as typed, the refusal's status

The block runs in a savepoint of its own: a refusal undoes only what the block wrote, and the rest of the request
(files kept for the next try, a counted failed login) is still committed. A 403 or 404 goes on to the global error
pages; anything else the action refuses becomes the view's own page, drawn by its render function.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flask import flash, redirect

from webapp.extensions import db
from workflows.errors import DomainError

PASSED_ON = (403, 404)  # a page the person may not see, or that is not there, is the error page's to say


@dataclass(frozen=True)
class Refusal:
    """What a page shows of a refused action: the headline, each problem, the problems by field, the status."""

    error: DomainError
    headline: str
    details: tuple[str, ...]
    fields: dict[str, str]
    status: int

    @classmethod
    def of(cls, err: DomainError) -> Refusal:
        return cls(err, err.message, tuple(err.details), dict(getattr(err, "fields", {})), err.status)

    @property
    def problems(self) -> list[str]:
        """The list at the top of the page: the headline, then every problem."""
        return [self.headline, *self.details]

    def headed(self, headline: str) -> Refusal:
        return replace(self, headline=headline)

    def noting(self, *notes: str) -> Refusal:
        """Lines added after the problems, e.g. that the chosen files were kept."""
        return replace(self, details=(*self.details, *notes))


def refusal(
    render: Callable[[Refusal], Any],
    *,
    catch: type | tuple[type, ...] = DomainError,
    passed_on: tuple[int, ...] = PASSED_ON,
    savepoint: bool = True,
) -> Refused:
    """The block it guards runs; when the domain refuses it, the page is what render(Refusal) returns.

    catch: the refusals this page shows (others go on to the error handlers);
    passed_on: statuses left to the error pages even when caught (403 and 404; () where the page itself says them);
    savepoint: False where what the refused step wrote must stay (a failed password check is counted).
    """
    return Refused(render, catch, passed_on, savepoint)


class Refused:
    """After the block: true when it was refused, with `refusal` and the `page` to answer with."""

    def __init__(
        self,
        render: Callable[[Refusal], Any],
        catch: type | tuple[type, ...],
        passed_on: tuple[int, ...],
        savepoint: bool,
    ):
        self._render, self._catch, self._passed_on, self._savepoint = render, catch, passed_on, savepoint
        self._step: contextlib.AbstractContextManager = contextlib.nullcontext()
        self.refusal: Refusal | None = None
        self.page: Any = None

    def __enter__(self) -> Refused:
        if self._savepoint:
            self._step = db.attempt()
        self._step.__enter__()
        return self

    def __exit__(self, kind, err, traceback) -> bool:
        self._step.__exit__(kind, err, traceback)  # undoes the savepoint on an error, never swallows it
        if not isinstance(err, self._catch) or err.status in self._passed_on:
            return False
        self.refusal = Refusal.of(err)
        self.page = self._render(self.refusal)
        return True

    def __bool__(self) -> bool:
        return self.refusal is not None


def back_to(url: str, shown: int | None = None) -> Callable[[Refusal], Any]:
    """For a button on a page that answers with that page again: each problem flashed, then the redirect.

    shown: at most this many problems, then how many more (flashed messages travel in the session cookie)."""

    def page(refused: Refusal):
        lines = refused.problems if shown is None else refused.problems[: shown + 1]
        more = len(refused.problems) - len(lines)
        for line in [*lines, *([f"……另有 {more} 处问题"] if more > 0 else [])]:
            flash(line, "danger")
        return redirect(url)

    return page


def done_or_back(url: str, action: Callable[[], Any], message: str, then: str | None = None):
    """A button on a page: the action, then the page again (or `then`) saying `message`, or saying what was refused.
    403 and 404 are said on the page too: the person is already on it."""
    with refusal(back_to(url), passed_on=()) as refused:
        action()
    if refused:
        return refused.page
    flash(message, "success")
    return redirect(then or url)
