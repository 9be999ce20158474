"""One transaction per request, command or sweep item, opened and closed in one place.

Services never commit: they take the session of the unit of work they run in. What a step writes, audit
events and queued notices included, commits together or not at all.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """A session whose single transaction the caller ends with commit() or rollback()."""

    def __init__(self, sessions: sessionmaker):
        self.session: Session = sessions()
        self.failed = False

    @contextlib.contextmanager
    def attempt(self) -> Iterator[Session]:
        """A step whose refusal the caller shows itself (a form with its errors): a failure undoes only this step."""
        with self.session.begin_nested():
            yield self.session

    def finish(self) -> None:
        """Commit, unless the work failed; always release the session."""
        try:
            if self.failed:
                self.session.rollback()
            else:
                self.session.commit()
        finally:
            self.session.close()

    def close(self) -> None:
        """Release without committing (anything unfinished is rolled back)."""
        self.session.close()


@contextlib.contextmanager
def unit_of_work(sessions: sessionmaker) -> Iterator[Session]:
    """For commands and sweep items: commit when the block succeeds, roll back when it raises."""
    with sessions.begin() as session:
        yield session
