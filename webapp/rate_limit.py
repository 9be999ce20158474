"""Requests per client address in fixed windows, for the pages anyone may open without an account.

Counted in this process's memory: under gunicorn each worker counts on its own, so an address may reach the limit
once per worker (the deployment guide lets nginx's limit_req hold the hard line). request.remote_addr is the client
as hardening's ProxyFix reads it: X-Forwarded-For counts only behind TRUSTED_PROXY_COUNT proxies.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from workflows import clock

MAX_ADDRESSES = 50_000  # beyond this, addresses of past windows are forgotten first


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (0 when allowed)


class FixedWindowLimiter:
    def __init__(self):
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[int, int]] = {}  # address -> (window number, requests in it)

    def hit(self, address: str, limit: int, window_seconds: int) -> Verdict:
        """Count one request; refused once the address has made `limit` in the current window."""
        now = clock.now().timestamp()
        window = int(now // window_seconds)
        with self._lock:
            seen, count = self._hits.get(address, (window, 0))
            count = count + 1 if seen == window else 1
            if len(self._hits) >= MAX_ADDRESSES and address not in self._hits:
                self._forget_before(window)
            self._hits[address] = (window, count)
        if count <= limit:
            return Verdict(True, 0)
        return Verdict(False, max(math.ceil((window + 1) * window_seconds - now), 1))

    def _forget_before(self, window: int) -> None:
        for address in [a for a, (w, _) in self._hits.items() if w < window]:
            del self._hits[address]

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


public_pages = FixedWindowLimiter()
