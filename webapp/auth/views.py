"""Login, logout and the person's own API tokens."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.auth.blueprint import bp
from webapp.extensions import db
from webapp.refusals import Refusal, refusal
from webapp.security import end_session, safe_next, start_session
from workflows.organisation import accounts


def login_policy() -> accounts.LoginPolicy:
    """The login throttle as configured; the password change throttles the current password the same way."""
    cfg = current_app.config
    return accounts.LoginPolicy(
        max_failures=cfg["LOGIN_MAX_FAILURES"],
        window=timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"]),
        first_delay=timedelta(seconds=cfg["LOGIN_DELAY_SECONDS"]),
        address_max_accounts=cfg["LOGIN_ADDRESS_MAX_ACCOUNTS"],
        account_alert_failures=cfg["LOGIN_ACCOUNT_ALERT_FAILURES"],
        one_time_password_lifetime=timedelta(hours=cfg["ONE_TIME_PASSWORD_HOURS"]),
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.workbench"))
    if request.method == "GET":
        return render_template("auth/login.html", username="")
    username = request.form.get("username", "")
    if not username.strip() or not request.form.get("password", ""):  # not an attempt: nothing is counted
        missing = (
            "用户名和密码"
            if not username.strip() and not request.form.get("password", "")
            else ("用户名" if not username.strip() else "密码")
        )
        flash(f"请输入{missing}", "warning")
        return render_template("auth/login.html", username=username), 422

    def login_again(r: Refusal):  # a deactivated account's 403 is said on the login page too
        flash(r.headline, "danger")
        headers = {"Retry-After": str(r.error.retry_after)} if isinstance(r.error, accounts.LoginThrottled) else {}
        return render_template("auth/login.html", username=username), r.status, headers

    # no savepoint: the failure count and audit events are kept
    with refusal(
        login_again, catch=(accounts.LoginRefused, accounts.LoginThrottled), passed_on=(), savepoint=False
    ) as refused:
        person = accounts.authenticate(
            db.session, username, request.form.get("password", ""), request.remote_addr or "unknown", login_policy()
        )
    if refused:
        return refused.page
    start_session(person)
    return redirect(safe_next(request.args.get("next"), url_for("home.workbench")))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Ends every session of the person, on every browser, not only this cookie."""
    accounts.end_sessions(db.session, current_user.person.id, current_user.person.id, "logout")
    end_session()
    flash("您已安全退出", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    new_token = None
    if request.method == "POST":
        new_token = accounts.create_token(db.session, current_user.person.username)
    return render_template(
        "auth/tokens.html", tokens=accounts.tokens_of(db.session, current_user.person.id), new_token=new_token
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    accounts.revoke_token(db.session, current_user.person.id, token_id)
    flash("令牌已吊销，使用它的程序将无法再访问接口", "success")
    return redirect(url_for("auth.tokens"))
