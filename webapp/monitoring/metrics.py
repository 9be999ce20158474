"""Prometheus figures: request latency and errors per route, counted in each worker (shared through
PROMETHEUS_MULTIPROC_DIR under gunicorn), and the database's figures computed when Prometheus asks."""

from __future__ import annotations

import math
import os

from flask import Flask, current_app
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from workflows.monitoring import Gauges

PREFIX = "xiayi_"


class RequestMetrics:
    """This app's request figures, in a registry of its own (several apps may live in one process: tests)."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            PREFIX + "http_request_duration_seconds",
            "请求耗时（秒），按路由模板和方法",
            ["route", "method"],
            registry=self.registry,
        )
        self.errors = Counter(
            PREFIX + "http_request_errors",
            "答复为 4xx/5xx 的请求数，按路由模板、方法和状态码",
            ["route", "method", "status"],
            registry=self.registry,
        )


def init_app(app: Flask) -> None:
    app.extensions["request_metrics"] = RequestMetrics()


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    found = current_app.extensions.get("request_metrics")
    if found is None:
        return
    found.latency.labels(route, method).observe(seconds)
    if status >= 400:
        found.errors.labels(route, method, str(status)).inc()


class DatabaseFigures:
    """A collector over figures already read from the database."""

    def __init__(self, figures: Gauges):
        self.figures = figures

    def collect(self):
        f = self.figures
        tasks = GaugeMetricFamily(PREFIX + "open_tasks", "待办任务数，按流程和所在环节", labels=["process", "step"])
        for process, step, count in f.open_tasks:
            tasks.add_metric([process, step], count)
        overdue = GaugeMetricFamily(PREFIX + "overdue_tasks", "已逾期的待办任务数，按流程", labels=["process"])
        for process, count in f.overdue_tasks:
            overdue.add_metric([process], count)
        overdue.add_metric(["all"], sum(count for _p, count in f.overdue_tasks))
        mail = GaugeMetricFamily(
            PREFIX + "mail_queue", "邮件队列长度：待发送 pending、已放弃 failed", labels=["status"]
        )
        for status, count in f.mail_queue.items():
            mail.add_metric([status], count)
        yield from (tasks, overdue, mail)
        yield GaugeMetricFamily(
            PREFIX + "record_renders_failed", "PDF 生成失败、等待重试的审批记录数", value=f.renders_failed
        )
        beat = f.beat
        yield GaugeMetricFamily(
            PREFIX + "scheduler_heartbeat_age_seconds",
            "距调度器最近一次运行结束的秒数（从未运行为 +Inf）",
            value=f.beat_age_seconds if f.beat_age_seconds is not None else math.inf,
        )
        yield GaugeMetricFamily(
            PREFIX + "scheduler_last_pass_duration_seconds",
            "调度器最近一次运行的耗时（秒）",
            value=beat.duration_ms / 1000 if beat else 0,
        )
        yield GaugeMetricFamily(
            PREFIX + "scheduler_last_pass_failures",
            "调度器最近一次运行中失败的案件和邮件数",
            value=beat.failures if beat else 0,
        )
        yield GaugeMetricFamily(
            PREFIX + "scheduler_last_pass_timers_fired",
            "调度器最近一次运行触发的定时器数",
            value=beat.timers_fired if beat else 0,
        )
        yield GaugeMetricFamily(
            PREFIX + "scheduler_failed_passes",
            "因错误中断的调度运行次数（累计）",
            value=beat.failed_passes if beat else 0,
        )


def exposition(figures: Gauges) -> bytes:
    """The text Prometheus reads: every worker's request figures (multiprocess mode) or this one's, then the database's."""
    requests = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = current_app.extensions["request_metrics"].registry
    database = CollectorRegistry()
    database.register(DatabaseFigures(figures))
    return generate_latest(requests) + generate_latest(database)
