"""Extensions bound in create_app; nothing happens at import time."""

from __future__ import annotations

import contextlib

from flask import Flask, current_app, g
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from workflows.db import make_engine, make_session_factory
from workflows.unit_of_work import UnitOfWork


class Database:
    """One engine per app and one unit of work per request.

    The request's transaction commits in after_request, before the answer leaves (a commit that fails is a
    500 saying nothing was saved, never a success page); it rolls back when the answer is an error that an
    error handler produced (fail()). Views never commit or roll back themselves.
    """

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["db_engine"] = engine
        app.extensions["db_sessions"] = make_session_factory(engine)
        app.after_request(self._finish)
        app.teardown_appcontext(self._close)

    @property
    def session(self) -> Session:
        return self._work().session

    def attempt(self) -> contextlib.AbstractContextManager[Session]:
        """Run a step whose refusal the view shows on its own page: a refusal undoes only that step."""
        return self._work().attempt()

    @staticmethod
    def fail() -> None:
        """The request ends in an error: nothing it wrote is kept."""
        work = g.get("unit_of_work")
        if work is not None:
            work.failed = True

    @staticmethod
    def _work() -> UnitOfWork:
        if "unit_of_work" not in g:
            g.unit_of_work = UnitOfWork(current_app.extensions["db_sessions"])
        return g.unit_of_work

    @staticmethod
    def _finish(response):
        work = g.pop("unit_of_work", None)
        if work is not None:
            work.finish()
        return response

    @staticmethod
    def _close(_exc) -> None:
        work = g.pop("unit_of_work", None)  # after_request did not run: an unhandled error
        if work is not None:
            work.close()


db = Database()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.login_message_category = "warning"
login_manager.session_protection = "strong"
csrf = CSRFProtect()
