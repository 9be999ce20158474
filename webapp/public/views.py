"""Pages anyone may open without an account: the shared catalog (附件: 不需账号登录), the policy and the help page."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user

from webapp.catalog.searching import FACET_LABELS, interfaces_page, searched
from webapp.extensions import db
from webapp.public.blueprint import bp
from webapp.rate_limit import public_pages
from workflows.catalog import public
from workflows.models import ROLE_DUTIES, SiteTextKind
from workflows.sharing import applications
from workflows.site import texts

CATALOG_ENDPOINTS = ("public.catalog", "public.entry", "public.interfaces")
TOO_MANY = "访问过于频繁：同一地址每 {window} 秒最多打开公开目录 {limit} 次"


@bp.before_request
def _catalog_gate():
    """The public catalog answers 404 when switched off, and 429 to an address past its share of requests."""
    if request.endpoint not in CATALOG_ENDPOINTS:
        return None
    cfg = current_app.config
    if not cfg["PUBLIC_CATALOG"]:
        abort(404)
    limit, window = cfg["PUBLIC_RATE_LIMIT"], cfg["PUBLIC_RATE_WINDOW_SECONDS"]
    verdict = public_pages.hit(request.remote_addr or "unknown", limit, window)
    if verdict.allowed:
        return None
    note = f"请 {verdict.retry_after} 秒后再试。"
    if not current_user.is_authenticated:
        note += "登录后可在“资源目录”中检索，不受此限制。"
    elif not current_user.person.is_vendor:  # a vendor's account opens only this catalog
        note += "也可在“资源目录”中检索，不受此限制。"
    page = render_template(
        "error.html", status=429, message=TOO_MANY.format(window=window, limit=limit), details=[], note=note
    )
    return page, 429, {"Retry-After": str(verdict.retry_after)}


@bp.get("/public/catalog")
def catalog():
    _, page, errors, status = searched(public.parse_query, public.search_entries, lambda: (None, public.refused_page()))
    return render_template(
        "public/catalog.html", page=page, errors=errors, args=request.args, facet_names=FACET_LABELS
    ), status


@bp.get("/public/catalog/<code>")
def entry(code: str):
    return render_template("public/entry.html", entry=public.get_entry(db.session, code))


@bp.get("/public/interfaces")
def interfaces():
    return interfaces_page(
        public.search_interfaces,
        public.scenarios,
        entry_endpoint="public.entry",
        catalog_url=url_for("public.catalog"),
        heading="数据接口（公开）",
    )


@bp.get("/policy")
def policy():
    return render_template("public/policy.html", text=texts.get_text(db.session, SiteTextKind.POLICY))


@bp.get("/help")
def help_page():
    days = applications.review_period(db.session)  # as the deployed process says, never a typed number
    period = f"{days} 个工作日" if days else "规定期限"
    duties = {role: text.replace("{review_days} 个工作日", period) for role, text in ROLE_DUTIES.items()}
    return render_template("public/help.html", contact=texts.get_text(db.session, SiteTextKind.HELP), duties=duties)
