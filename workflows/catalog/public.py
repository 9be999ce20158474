"""The catalog as the notice's annex shows it to anyone without an account (不需账号登录): published entries that
are shared (无条件/有条件共享), their metadata, info items and interfaces; never a 不予共享 entry or its basis, and
nothing about applications, grants or people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import inputs
from workflows.catalog import search
from workflows.errors import NotFound, ValidationFailed
from workflows.models import Interface, Resource, ResourceStatus, ShareType

SHARED = (ShareType.UNCONDITIONAL, ShareType.CONDITIONAL)
NOT_LISTED = "公开目录只列出无条件共享和有条件共享的条目"


def _is_shared(resource: Resource | None) -> bool:
    return resource is not None and resource.status == ResourceStatus.PUBLISHED and resource.share_type in SHARED


def parse_query(args: dict) -> search.ResourceQuery:
    """The internal search's query, limited to shared entries; asking for 不予共享 is told why nothing comes."""
    query = search.parse_resource_query(args)
    if query.filters.get("share_type") == ShareType.NOT_SHARED:
        raise ValidationFailed([f"{search.FIELD_LABELS['share_type']}：{NOT_LISTED}"], "查询参数有误，请按提示修改")
    query.shared_only = True
    return query


def search_entries(session: Session, query: search.ResourceQuery) -> search.Page:
    """Shared entries and their facet counts; 不予共享 is not even offered as a choice."""
    page = search.search_resources(session, query)
    return _without_not_shared(page)


def refused_page() -> search.Page:
    return _without_not_shared(search.refused_page())


def _without_not_shared(page: search.Page) -> search.Page:
    page.facets["share_type"] = [f for f in page.facets["share_type"] if f["value"] != ShareType.NOT_SHARED]
    return page


def search_interfaces(session: Session, query: search.InterfaceQuery) -> search.Page:
    return search.search_interfaces(session, query, shared_only=True)


def scenarios(session: Session) -> list[str]:
    return search.scenarios(session, shared_only=True)


@dataclass
class PublicEntry:
    """What the public entry page may show: the entry, the related entries that are themselves public, its interfaces."""

    resource: Resource
    related_codes: list[str]
    interfaces: list[Interface]


def get_entry(session: Session, code: str) -> PublicEntry:
    """A shared, published entry by its code; anything else reads as absent (a 不予共享 entry is not confirmed to exist)."""
    resource = session.scalar(select(Resource).where(Resource.code == inputs.catalog_code(code)[:64]))
    if not _is_shared(resource):
        raise NotFound("公开目录中没有这个条目：它不存在、尚未发布、已停用或不予共享")
    related = list(
        session.scalars(
            select(Resource.code)
            .where(
                Resource.code.in_(resource.related_codes or []),
                Resource.status == ResourceStatus.PUBLISHED,
                Resource.share_type.in_(SHARED),
            )
            .order_by(Resource.code)
        )
    )
    interfaces = list(
        session.scalars(select(Interface).where(Interface.resource_id == resource.id).order_by(Interface.code))
    )
    return PublicEntry(resource, related, interfaces)
