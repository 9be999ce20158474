"""Catalog search finds exactly the entries containing a keyword, whatever its length and plan,
and its cached facet counts follow every change to the catalog at once."""

from datetime import date

import pytest
from sqlalchemy import select, update

from workflows import demo
from workflows.catalog import search as catalog_search
from workflows.catalog.search import parse_resource_query, search_resources
from workflows.models import Resource, ResourceStatus


def search(sessions, **args):
    with sessions() as session:
        return search_resources(session, parse_resource_query({"per_page": "100", **args}))


def codes(page) -> set[str]:
    return {r.code for r in page.items}


def keywords(texts: list[str]) -> list[str]:
    """1- to 4-character Chinese substrings taken from the catalog's own names and summaries."""
    found: list[str] = []
    for text in texts:
        for length in (1, 2, 3, 4):
            for start in (0, len(text) - length, len(text) // 2):
                piece = text[start : start + length]
                if len(piece) == length and all("\u4e00" <= ch <= "\u9fff" for ch in piece) and piece not in found:
                    found.append(piece)
    return found[::3]


@pytest.fixture(params=["few hits: rows fetched one by one", "many hits: an index walked in order"])
def plan(request, monkeypatch):
    if request.param.startswith("many"):
        monkeypatch.setattr(catalog_search, "FACETS_BY_ROWID_MAX", -1)
        monkeypatch.setattr(catalog_search, "PAGE_BY_ROWID_MAX", -1)
    return request.param


def test_every_keyword_finds_exactly_the_published_entries_containing_it(demo_catalog, plan):
    with demo_catalog() as session:
        published = session.scalars(select(Resource).where(Resource.status == ResourceStatus.PUBLISHED)).all()
    texts = [r.name for r in published] + [r.summary for r in published]
    words = keywords(texts)
    assert any(len(w) == 1 for w in words) and any(len(w) == 2 for w in words) and len(words) > 60
    for word in words:
        expected = {r.code for r in published if word in r.name or word in r.summary}
        page = search(demo_catalog, q=word)
        assert (page.total, codes(page)) == (len(expected), expected), word


def test_a_keyword_at_the_very_end_of_a_name_is_found(demo_catalog):
    with demo_catalog.begin() as session:
        session.execute(update(Resource).where(Resource.code == "XY-GA-001").values(name="户籍人口基本信息汇"))
    assert "XY-GA-001" in codes(search(demo_catalog, q="汇"))
    assert "XY-GA-001" in codes(search(demo_catalog, q="息汇"))


def test_a_renamed_entry_is_found_by_its_new_name_only(demo_catalog):
    assert "XY-GA-001" in codes(search(demo_catalog, q="户籍"))
    with demo_catalog.begin() as session:
        session.execute(
            update(Resource).where(Resource.code == "XY-GA-001").values(name="常住人口名册", summary="常住人口的名册")
        )
    assert "XY-GA-001" not in codes(search(demo_catalog, q="户籍"))
    assert "XY-GA-001" in codes(search(demo_catalog, q="名册"))


def share_counts(page) -> dict[str, int]:
    return {f["value"]: f["count"] for f in page.facets["share_type"]}


def test_a_change_to_the_catalog_shows_at_once_in_totals_and_facet_counts(demo_catalog):
    before = search(demo_catalog, q="户籍")
    assert search(demo_catalog, q="户籍", page="2").total == before.total  # served again (cached)
    with demo_catalog.begin() as session:
        template = session.scalar(select(Resource).where(Resource.code == "XY-GA-001"))
        session.add(
            Resource(
                code="XY-GA-999",
                name="户籍迁移登记",
                provider_unit_id=template.provider_unit_id,
                category_class=template.category_class,
                summary="户籍迁入迁出",
                format=template.format,
                share_type="unconditional",
                open_type=template.open_type,
                update_cycle=template.update_cycle,
                sensitivity=template.sensitivity,
                status=ResourceStatus.PUBLISHED,
                published_on=date(2026, 11, 1),
                updated_at=template.updated_at,
            )
        )
    after = search(demo_catalog, q="户籍")
    assert after.total == before.total + 1 and "XY-GA-999" in codes(after)
    assert share_counts(after)["unconditional"] == share_counts(before)["unconditional"] + 1
    with demo_catalog.begin() as session:
        session.execute(update(Resource).where(Resource.code == "XY-GA-999").values(status=ResourceStatus.RETIRED))
    assert search(demo_catalog, q="户籍").total == before.total


def test_filters_on_a_cached_search_count_within_the_filter(demo_catalog):
    everything = search(demo_catalog, q="信息")
    conditional = search(demo_catalog, q="信息", share_type="conditional")
    assert conditional.total == share_counts(everything)["conditional"] < everything.total
    assert all(r.share_type == "conditional" for r in conditional.items)


def test_an_empty_catalog_searches_without_error(sessions):
    page = search(sessions, q="户籍")
    assert page.total == 0 and page.items == []
    with sessions.begin() as session:
        demo.seed_catalog(session)
    assert search(sessions, q="户籍").total > 0


def test_a_resource_code_whole_or_in_part_and_in_any_case_finds_its_entries(demo_catalog, plan):
    with demo_catalog() as session:
        published = session.scalars(select(Resource).where(Resource.status == ResourceStatus.PUBLISHED)).all()
    assert "XY-GA-001" in {r.code for r in published}
    for word in ("XY-GA-001", "GA-001", "xy-ga-001", "ga-00", "MZ", "-001", "XY-NOPE-9"):
        expected = {
            r.code
            for r in published
            if word.lower() in f"{r.name} {r.summary}".lower() or word.upper() in r.code.upper()
        }
        page = search(demo_catalog, q=word)
        assert (page.total, codes(page)) == (len(expected), expected), word
    assert codes(search(demo_catalog, q="XY-GA-001")) == {"XY-GA-001"}
    assert "XY-GA-001" in codes(search(demo_catalog, q="ga-001"))
