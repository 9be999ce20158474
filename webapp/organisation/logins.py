"""The sysadmin's view of failed logins and lockouts, with unlocking."""

from __future__ import annotations

from flask import render_template

from webapp.auth.views import login_policy
from webapp.extensions import db
from webapp.organisation.blueprint import bp
from webapp.organisation.views import scope
from workflows import audit
from workflows.organisation import overview

RECENT = 50


@bp.get("/logins")
def login_watch():
    admin = scope()
    accounts = overview.login_watch(db.session, admin, login_policy())
    events, _ = audit.list_events(db.session, audit.AuditFilter(subject_type="login"), 1, RECENT)
    return render_template("organisation/logins.html", accounts=accounts, events=events)
