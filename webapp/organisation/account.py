"""A person's own password: changed at will, and first of all after logging in with a one-time password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.auth import login_policy
from webapp.extensions import db
from webapp.security import start_session
from workflows.errors import DomainError
from workflows.organisation import accounts

bp = Blueprint("account", __name__)
# what a person who must change a one-time password may still open
ALLOWED_BEFORE_CHANGE = {"account.change_password", "auth.logout", "static", "home.healthz",
                         "monitoring.readyz", "monitoring.prometheus_metrics"}


@bp.before_app_request
def _one_time_password_first():
    """After a login with a one-time password, every page leads to the password change until it is done."""
    if request.blueprint == "api" or request.endpoint in ALLOWED_BEFORE_CHANGE:
        return None
    if current_user.is_authenticated and current_user.person.must_change_password:
        return redirect(url_for("account.change_password"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    person = current_user.person
    if request.method == "GET":
        return render_template("organisation/change_password.html", error=None, forced=person.must_change_password)
    try:  # no savepoint: a wrong current password is counted as a failed login even though the change is refused
        changed = accounts.change_password(db.session, person.id, request.form.get("current", ""),
                                           request.form.get("new", ""), request.form.get("repeated", ""),
                                           request.remote_addr or "unknown", login_policy())
    except DomainError as err:
        headers = {"Retry-After": str(err.retry_after)} if isinstance(err, accounts.LoginThrottled) else {}
        return render_template("organisation/change_password.html", error=err,
                               forced=person.must_change_password), err.status, headers
    start_session(changed)  # this browser stays logged in with the new generation; every other session has ended
    flash("密码已修改，其他设备上的登录已全部退出", "success")
    return redirect(url_for("home.workbench"))
