"""What the site texts write to the audit trail: the sysadmin's rewrites of the policy and help pages."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.models import SiteTextKind

AUDIT_EVENTS = Events(
    actions={"site_text:updated": "修改公开页面文字"},
    subjects={"site_text": "公开页面文字"},
    subject_names={"site_text": lambda key: f"公开页面文字（{SiteTextKind.label_of(key) or '其他'}）"},
    keys={"title": "标题", "length": "正文字数"},
)
