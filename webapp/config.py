"""Configuration from environment variables, with defaults that are safe for a demo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment; otherwise one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _https_public_address() -> bool:
    return os.environ.get("PUBLIC_BASE_URL", "").strip().lower().startswith("https://")


def load_config(instance_path: str) -> dict:
    secure = _flag("SESSION_COOKIE_SECURE", _https_public_address())
    sweep_interval = int(os.environ.get("SWEEP_INTERVAL_SECONDS", 60))
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'xiayi-data.db'}",
        "SECRET_KEY": _secret_key(instance_path),
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": os.environ.get("SESSION_COOKIE_SAMESITE", "Lax"),
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", 5)),
        "LOGIN_WINDOW_MINUTES": int(os.environ.get("LOGIN_WINDOW_MINUTES", 15)),
        "LOGIN_DELAY_SECONDS": int(os.environ.get("LOGIN_DELAY_SECONDS", 30)),
        "LOGIN_ADDRESS_MAX_ACCOUNTS": int(os.environ.get("LOGIN_ADDRESS_MAX_ACCOUNTS", 20)),
        "LOGIN_ACCOUNT_ALERT_FAILURES": int(os.environ.get("LOGIN_ACCOUNT_ALERT_FAILURES", 100)),
        "ONE_TIME_PASSWORD_HOURS": int(os.environ.get("ONE_TIME_PASSWORD_HOURS", 72)),
        "LOGIN_FAILURE_RETENTION_DAYS": int(os.environ.get("LOGIN_FAILURE_RETENTION_DAYS", 7)),
        "NOTIFICATION_RETENTION_DAYS": int(os.environ.get("NOTIFICATION_RETENTION_DAYS", 180)),
        "SENT_EMAIL_RETENTION_DAYS": int(os.environ.get("SENT_EMAIL_RETENTION_DAYS", 30)),
        "USAGE_RETENTION_DAYS": int(os.environ.get("USAGE_RETENTION_DAYS", 400)),  # raw usage records; rollups stay
        "TRUSTED_PROXY_COUNT": int(os.environ.get("TRUSTED_PROXY_COUNT", 0)),
        # the catalog anyone may browse without an account (the notice's annex), and its share per client address
        "PUBLIC_CATALOG": _flag("PUBLIC_CATALOG", True),
        "PUBLIC_RATE_LIMIT": int(os.environ.get("PUBLIC_RATE_LIMIT", 60)),
        "PUBLIC_RATE_WINDOW_SECONDS": int(os.environ.get("PUBLIC_RATE_WINDOW_SECONDS", 60)),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
        # one text field of a multipart form: large enough that an over-long text reaches the
        # service and is refused with its field named (a million Chinese characters is 3 MB)
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("MAX_FORM_FIELD_BYTES", 4 * 1024 * 1024)),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 25)),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "noreply@xiayi.gov.example"),
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS", False),
        "BPMN_DIR": os.environ.get("BPMN_DIR", str(Path(__file__).resolve().parent.parent / "bpmn")),
        "SWEEP_INTERVAL_SECONDS": sweep_interval,
        # /readyz fails when no periodic pass has ended for this long
        "SCHEDULER_STALE_SECONDS": int(os.environ.get("SCHEDULER_STALE_SECONDS") or 3 * sweep_interval),
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", ""),  # json | text; empty: text in debug mode, else json
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        # a Server-Timing header with each request's CPU and database time (the load benchmark reads it)
        "SERVER_TIMING": _flag("SERVER_TIMING", False),
        "METRICS_ALLOWED_ADDRESSES": os.environ.get("METRICS_ALLOWED_ADDRESSES", ""),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").strip() or "http://127.0.0.1:5000",
    }
