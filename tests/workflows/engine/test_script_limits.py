"""No BPMN snippet can hang the engine: endless or explosive code is refused at deploy, the rest is stopped within a second."""

import gc
import time
from datetime import datetime

import pytest
import time_machine

from tests.helpers import BPMN_DIR, SH, open_task, person, unit
from workflows import clock, engine
from workflows.engine import limits, lint, sandbox
from workflows.errors import EngineStepFailed
from workflows.models import ProcessInstance, ProcessVersion

THREE_STEP = (BPMN_DIR / "three_step.bpmn").read_text(encoding="utf-8")
FORMS = lint.load_forms(BPMN_DIR / "forms")
SCRIPT = 'decided = decision\nlabel = "通过" if decision == "approve" else "不通过"'
CONDITION_FLOW = '<bpmn:sequenceFlow id="ts_f4" sourceRef="ts_mark_decided" targetRef="ts_archive" />'
TEN_TO_THE_EIGHTH = "count = 0\nfor a in range(10000):\n    for b in range(10000):\n        count = count + 1"


def issues_with_script(script: str) -> list[str]:
    found, _ = engine.check(THREE_STEP.replace(SCRIPT, script), FORMS)
    return [str(i) for i in found]


def issues_with_condition(expression: str) -> list[str]:
    flow = CONDITION_FLOW.replace(
        " />", f"><bpmn:conditionExpression>{expression}</bpmn:conditionExpression>" "</bpmn:sequenceFlow>"
    )
    found, _ = engine.check(THREE_STEP.replace(CONDITION_FLOW, flow), FORMS)
    return [str(i) for i in found]


def run(script: str, data: dict | None = None) -> dict:
    context = dict(data or {})
    sandbox.execute(sandbox.build_globals(None), script, context)
    return context


@pytest.mark.parametrize(
    "script, expected",
    [
        ("while True: pass", "不允许使用 while 循环"),
        ("x = 9**9**9", "乘方（**）的指数只能是不超过 100 的数字常量"),
        ("x = 2 ** decision", "乘方（**）的指数只能是"),
        ("x = 'a'.ljust(10 ** 9)", "不允许调用 ljust"),
        ("x = f'{decision:>999999999}'", "f-string 的格式说明只能是简短的常量"),
        ("try:\n    x = 1\nexcept Exception:\n    pass", "不允许使用 try 语句"),
    ],
)
def test_an_endless_or_explosive_script_is_refused_at_deploy_naming_its_task(script, expected):
    found = issues_with_script(script)
    assert any(i.startswith("[ts_mark_decided] “记录决定”的脚本不安全") and expected in i for i in found), found


@pytest.mark.parametrize(
    "expression",
    [
        "-" * 3000 + "1",
        "[" * 150 + "]" * 150,
        "(" * 300 + "1" + ")" * 300,
        "1+" * 100000 + "1",
        "-" * 100000 + "1",
    ],
)
def test_a_deeply_nested_condition_is_refused_naming_its_flow(expression):
    found = issues_with_condition(expression)
    assert any(
        i.startswith("[ts_f4] 「记录决定」到「归档」的连线上的条件表达式不安全")
        and ("嵌套层数过多" in i or "内容过长" in i)
        for i in found
    ), found


def test_ordinary_scripts_still_run_and_augmented_assignment_now_works():
    assert run("total = 0\nfor i in range(10):\n    total += i\nlabel = f'{total:>4}' + '项'") == {
        "total": 45,
        "i": 9,
        "label": "  45项",
    }
    assert run("x = 2 ** 10 + 10 ** -2")["x"] == 1024.01


@pytest.mark.parametrize(
    "script, expected",
    [
        ("s = 'x' * 1000000", "结果过大"),
        ("s = 'ab'\nfor i in range(100):\n    s = s + s", "结果过大"),
        ("s = [0]\nfor i in range(100):\n    s += s", "结果过大"),
        ("x = (2 ** 64) ** 100 * (2 ** 64) ** 100", "数值过大"),
        ("x = 1 << 100000", "数值过大"),
        ("n = range(100000)", "range() 最多 10000 个数"),
        ("x = '%0999999999d' % 1", "不允许用 % 格式化字符串"),
        ("x = []\nx.append(x)", "嵌套过深"),
        ("x = working_days_after(now_iso(), 10 ** 6)", "工作日数应在 0 到 1000 之间"),
    ],
)
def test_a_value_that_would_grow_without_bound_is_refused_before_it_is_built(script, expected, sessions):
    with sessions() as session, pytest.raises(sandbox.ScriptRejected) as caught:
        sandbox.execute(sandbox.build_globals(session), script, {})
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    "script",
    [
        TEN_TO_THE_EIGHTH,
        "f = lambda n: 0 if n == 0 else f(n - 1) + f(n - 1)\nx = f(60)",
        "x = sum(1 for a in range(10000) for b in range(10000))",
        "x = [[0] * 10000 for i in range(10000)]",
    ],
)
def test_a_script_that_would_run_for_hours_is_stopped_by_its_budget(script):
    with pytest.raises(sandbox.ScriptRejected) as caught:
        run(script)
    assert "运行超出限制" in str(caught.value)


def test_the_budget_is_shared_by_all_snippets_of_one_operation():
    globals_ = sandbox.build_globals(None)
    small = "x = 0\nfor a in range(10000):\n    x = x + 1"
    sandbox.execute(globals_, small, {})
    with pytest.raises(sandbox.ScriptRejected):
        for _ in range(100):
            sandbox.execute(globals_, small, {})
    sandbox.execute(sandbox.build_globals(None), small, {})  # the next operation starts afresh


def test_the_dry_run_refuses_to_deploy_an_endless_script(db):
    with pytest.raises(engine.DeployRejected) as caught:
        engine.deploy(db, THREE_STEP.replace(SCRIPT, TEN_TO_THE_EIGHTH), FORMS, None)  # bounded ranges pass the lint
    assert any(d.startswith("[ts_mark_decided] 试运行未通过") and "超出限制" in d for d in caught.value.details)


def store_unchecked(sessions, xml: str) -> None:
    """A version stored without the deploy checks, as an older release could have: the runtime must still hold."""
    _, outline = engine.check(xml, FORMS)
    with sessions.begin() as s:
        s.add(
            ProcessVersion(
                process_key=outline.process_id,
                name=outline.name,
                version=1,
                bpmn_xml=xml,
                forms=outline.forms,
                content_hash="unchecked-endless-script",
                deployed_at=clock.now(),
            )
        )


def test_an_endless_script_stops_the_step_and_the_stored_case_stays_exactly_as_it_was(sessions):
    store_unchecked(sessions, THREE_STEP.replace(SCRIPT, TEN_TO_THE_EIGHTH))
    with time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False):
        with sessions.begin() as s:
            case = engine.start(
                s,
                "three_step",
                person(s, "machao").id,
                unit(s, "mzj").id,
                {"provider_unit_id": unit(s, "gaj").id, "submitted_at": "2026-02-13T10:00:00+08:00"},
            ).id
        with sessions.begin() as s:
            engine.complete_task(s, open_task(s, case).id, person(s, "machao"), {"purpose": "核对"})
        with sessions() as s:
            stored = s.get(ProcessInstance, case)
            before = (stored.state, stored.lock_version, stored.next_timer_at, open_task(s, case).id)
        with sessions() as s, pytest.raises(EngineStepFailed) as caught:
            try:
                engine.complete_task(s, open_task(s, case).id, person(s, "huangtao"), {"decision": "approve"})
            finally:
                s.rollback()
    assert "运行超出限制" in caught.value.message and "案件保持原状" in caught.value.message
    with sessions() as s:
        stored = s.get(ProcessInstance, case)
        assert (stored.state, stored.lock_version, stored.next_timer_at, open_task(s, case).id) == before
        assert open_task(s, case).name == "审核"


def test_a_garbage_collection_during_a_snippet_is_not_counted_against_its_budget():
    """A worker with a large heap may collect for a second in the middle of a snippet: that time is not the
    snippet's, while a snippet's own CPU past its budget is still stopped."""
    budget = limits.Budget(seconds=0.05)
    heap = [[] for _ in range(200_000)]
    for item in heap:
        item.append(item)  # cycles, so each collection has work to do
    with budget.running():
        spent = time.thread_time()
        while time.thread_time() - spent < 0.2:
            gc.collect()
        budget.charge()  # the collections took 0.2 s: none of it was the snippet's
    busy = limits.Budget(seconds=0.05)
    with pytest.raises(sandbox.ScriptRejected), busy.running():
        spent = time.thread_time()
        while time.thread_time() - spent < 0.2:
            sum(range(1000))
        busy.charge()
