"""What operators and their tools read: /readyz, /metrics, and one log line per request.

The blueprint lives in blueprint.py; importing its route module here registers its routes.
"""

from __future__ import annotations

import ipaddress

from flask import Flask

from webapp.monitoring import logs, metrics, views
from webapp.monitoring.blueprint import bp

__all__ = ["allowed_networks", "bp", "init_app", "logs", "metrics", "views"]


def init_app(app: Flask) -> None:
    app.config["METRICS_ALLOWED_NETWORKS"] = allowed_networks(app.config.get("METRICS_ALLOWED_ADDRESSES", ""))
    metrics.init_app(app)
    logs.init_app(app)


def allowed_networks(listed: str) -> list:
    """METRICS_ALLOWED_ADDRESSES: addresses or networks separated by commas, e.g. "127.0.0.1, 10.1.2.0/24"."""
    networks = []
    for item in filter(None, (part.strip() for part in listed.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"METRICS_ALLOWED_ADDRESSES 中的“{item}”不是有效的 IP 地址或网段") from None
    return networks
