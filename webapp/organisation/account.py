"""A person's own password (changed at will, and first of all after logging in with a one-time password), and a
vendor's 保密承诺 and the few pages a vendor may open."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.auth.views import login_policy
from webapp.extensions import db
from webapp.organisation.blueprint import account_bp as bp
from webapp.refusals import Refusal, refusal
from webapp.security import start_session
from workflows.organisation import accounts, vendors

# what a person who must change a one-time password may still open
ALLOWED_BEFORE_CHANGE = {
    "account.change_password",
    "auth.logout",
    "static",
    "home.healthz",
    "monitoring.readyz",
    "monitoring.prometheus_metrics",
}
# what a vendor may open before the 保密承诺 (after the password change), and what at all: nothing that carries an
# application, a grant, an attachment or a usage record; the catalog as the public sees it, the policy and help
BEFORE_UNDERTAKING = ALLOWED_BEFORE_CHANGE | {"account.undertaking", "home.favicon"}
VENDOR_MAY_OPEN = BEFORE_UNDERTAKING | {
    "account.change_password",
    "home.workbench",
    "home.inbox",
    "home.mark_read",
    "auth.login",
    "public.catalog",
    "public.entry",
    "public.interfaces",
    "public.policy",
    "public.help_page",
    "applications.verify",
}  # what anyone without an account may check, a vendor may check too


@bp.before_app_request
def _one_time_password_first():
    """After a login with a one-time password, every page leads to the password change until it is done."""
    if request.blueprint == "api" or request.endpoint in ALLOWED_BEFORE_CHANGE:
        return None
    if current_user.is_authenticated and current_user.person.must_change_password:
        return redirect(url_for("account.change_password"))
    return None


@bp.before_app_request
def _vendors_within_bounds():
    """A vendor accepts the 保密承诺 before anything opens, then opens only the pages that carry no case data."""
    if not current_user.is_authenticated or not current_user.person.is_vendor or request.endpoint in BEFORE_UNDERTAKING:
        return None
    if current_user.person.vendor.undertaking_accepted_at is None:
        return redirect(url_for("account.undertaking"))
    if request.endpoint not in VENDOR_MAY_OPEN:
        abort(
            403,
            description="运维厂商人员账号只能查看公开的资源目录、政策依据和帮助，不能查看申请、授权、附件和使用记录",
        )
    return None


@bp.route("/account/undertaking", methods=["GET", "POST"])
@login_required
def undertaking():
    person = current_user.person
    if not person.is_vendor:
        abort(404)
    if request.method == "POST":
        if request.form.get("agree") != "1":
            return render_template(
                "organisation/undertaking.html",
                text=vendors.UNDERTAKING,
                account=person.vendor,
                error="请阅读保密承诺，勾选“本人已阅读并承诺遵守”后再提交",
            ), 422
        vendors.accept_undertaking(db.session, person.id)
        flash("已签署保密承诺，本账号的每一次操作都会被记录", "success")
        return redirect(url_for("home.workbench"))
    return render_template("organisation/undertaking.html", text=vendors.UNDERTAKING, account=person.vendor, error=None)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    person = current_user.person
    if request.method == "GET":
        return render_template("organisation/change_password.html", error=None, forced=person.must_change_password)

    def form_again(r: Refusal):
        headers = {"Retry-After": str(r.error.retry_after)} if isinstance(r.error, accounts.LoginThrottled) else {}
        return (
            render_template("organisation/change_password.html", error=r.error, forced=person.must_change_password),
            r.status,
            headers,
        )

    # no savepoint: a wrong current password is counted as a failed login even though the change is refused
    with refusal(form_again, passed_on=(), savepoint=False) as refused:
        changed = accounts.change_password(
            db.session,
            person.id,
            request.form.get("current", ""),
            request.form.get("new", ""),
            request.form.get("repeated", ""),
            request.remote_addr or "unknown",
            login_policy(),
        )
    if refused:
        return refused.page
    start_session(changed)  # this browser stays logged in with the new generation; every other session has ended
    flash("密码已修改，其他设备上的登录已全部退出", "success")
    return redirect(url_for("home.workbench"))
