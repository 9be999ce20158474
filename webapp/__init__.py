"""Thin Flask UI and JSON API over the workflows package: wiring only."""

from __future__ import annotations

from flask import Flask

from webapp.config import load_config
from workflows import bootstrap
from workflows.sharing import records


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path))
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    bootstrap.bootstrap()
    records.configure(app.config["PUBLIC_BASE_URL"])  # the address in approval records' QR codes

    from webapp import cli, errors, filters, hardening, input_guard, monitoring
    from webapp.extensions import csrf, db, login_manager

    monitoring.init_app(app)  # before the database: the request's log line is written after its commit
    db.init_app(app)
    app.after_request(monitoring.logs.remember_who)  # after the database: who asked, read before the commit
    login_manager.init_app(app)
    csrf.init_app(app)
    errors.init_app(app)
    input_guard.init_app(app)  # before the blueprints: their <int:…> routes take its converter
    filters.init_app(app)
    cli.init_app(app)
    hardening.init_app(app)

    from webapp.admin import bp as admin_bp
    from webapp.api import bp as api_bp
    from webapp.applications import bp as applications_bp
    from webapp.auth import bp as auth_bp
    from webapp.catalog import bp as catalog_bp
    from webapp.demands import bp as demands_bp
    from webapp.incidents import bp as incidents_bp
    from webapp.home import bp as home_bp
    from webapp.modeler import bp as modeler_bp
    from webapp.monitoring import bp as monitoring_bp
    from webapp.objections import bp as objections_bp
    from webapp.organisation import account_bp, vendors_bp
    from webapp.organisation import bp as organisation_bp
    from webapp.public import bp as public_bp
    from webapp.supervision import bp as supervision_bp
    from webapp.tasks import bp as tasks_bp
    from webapp.usage import bp as usage_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(monitoring_bp)
    app.register_blueprint(catalog_bp, url_prefix="/catalog")
    app.register_blueprint(tasks_bp, url_prefix="/tasks")
    app.register_blueprint(applications_bp)
    app.register_blueprint(demands_bp, url_prefix="/demands")
    app.register_blueprint(objections_bp, url_prefix="/objections")
    app.register_blueprint(incidents_bp, url_prefix="/incidents")
    app.register_blueprint(modeler_bp, url_prefix="/processes")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(organisation_bp, url_prefix="/org")
    app.register_blueprint(account_bp)
    app.register_blueprint(vendors_bp, url_prefix="/vendors")
    app.register_blueprint(usage_bp, url_prefix="/usage")
    app.register_blueprint(public_bp)
    app.register_blueprint(supervision_bp, url_prefix="/supervision")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)
    return app
