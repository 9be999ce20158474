// The entries of our properties-panel groups (preact components rendered by @bpmn-io/properties-panel).
import {
  CheckboxEntry, SelectEntry, TextAreaEntry, TextFieldEntry, isCheckboxEntryEdited, isSelectEntryEdited,
  isTextAreaEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

import {
  bodyOf, conditionOf, property, scriptedNames, setBody, setCondition, setProperty, setTimerExpression,
  timerExpression, userTasks,
} from '../model';
import { fieldTitle, formFields, formTitle, titled, workspace } from '../state';

const FORM = 'spiffworkflow:FormJsonSchemaFilename';

function HelpList({ fields }) {
  const { helpers, builtins } = workspace.vocab;
  return (
    <details class="xiayi-help">
      <summary>可用的函数和字段</summary>
      <ul>{helpers.map((h) => <li key={h.name}><code>{h.signature}</code> {h.doc}</li>)}</ul>
      <div>可用的 Python 函数：<code>{builtins.join(' ')}</code></div>
      {fields ? <div>表单字段：{[...formFields().keys()].map((n, i) => (
        <span key={n}>{i ? '、' : ''}{fieldTitle(n)} <code>{n}</code></span>))}</div> : null}
      <div>不能导入模块，不能使用以下划线开头的名称。</div>
    </details>
  );
}

/** The code behind a Chinese choice, in small print for whoever needs to find it in the XML. */
function Code({ text }) {
  return <div class="xiayi-code text-muted">{text}</div>;
}

export function LaneRoleEntry({ element, id }) {
  const modeling = useService('modeling');
  const bo = getBusinessObject(element);
  const legacy = workspace.vocab.roles.find((r) => r.code === (bo.name || '').trim() || r.label === (bo.name || '').trim());
  return <SelectEntry {...{
    element, id, label: '办理角色',
    description: '泳道名称请写中文（如“提供单位审核”），这里选择由哪个角色办理泳道中的任务。',
    getValue: () => bo.get('xiayi:role') || (legacy ? legacy.code : ''),
    setValue: (value) => modeling.updateProperties(element, { 'xiayi:role': value || undefined }),
    getOptions: () => [{ value: '', label: '（请选择角色）' },
      ...workspace.vocab.roles.map((r) => ({ value: r.code, label: r.label }))],
    isEdited: isSelectEntryEdited,
  }} />;
}

export function FormEntry({ element, id }) {
  const injector = useService('injector');
  const bo = getBusinessObject(element);
  const current = bodyOf(bo, FORM);
  const names = Object.keys(workspace.forms).sort();
  if (current && !names.includes(current)) { names.unshift(current); }
  return <SelectEntry {...{
    element, id, label: '表单',
    description: current && !workspace.forms[current] ? '该表单不存在，请重新选择或新建'
      : <div>办理人填写的表单{current ? <Code text={`表单文件：${current}`} /> : null}</div>,
    getValue: () => current,
    setValue: (value) => setBody(injector, element, FORM, value),
    getOptions: () => [{ value: '', label: '（无表单）' }, ...titled(names, formTitle)],
  }} />;
}

export function FormButtonEntry({ element, id }) {
  const current = bodyOf(getBusinessObject(element), FORM);
  return (
    <div class="bio-properties-panel-entry" data-entry-id={id}>
      <button type="button" class="btn btn-sm btn-outline-primary" id="form-edit-btn"
              onClick={() => workspace.openFormEditor && workspace.openFormEditor(element)}>
        {current ? '查看 / 编辑表单定义' : '新建表单'}
      </button>
    </div>
  );
}

function periodProblem(value) {
  const text = (value || '').trim();
  if (!text) { return null; }
  const max = workspace.vocab.max_working_days;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    return `应为 1 到 ${max} 之间的整数（工作日数），未保存`;
  }
  return null;
}

export function PeriodEntry({ element, id }) {
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return <TextFieldEntry {...{
    element, id, label: '办理期限（工作日）', debounce,
    description: '留空表示不限期。到期时间为起算时刻之后第 N 个工作日的 23:59:59；催办和督办定时器用 task_due 引用它。',
    getValue: () => property(bo, 'period'),
    setValue: (value, error) => { if (!error) { setProperty(injector, element, 'period', (value || '').trim()); } },
    validate: periodProblem,
    isEdited: isTextFieldEntryEdited,
  }} />;
}

export function PeriodStartEntry({ element, id }) {
  const injector = useService('injector');
  const bo = getBusinessObject(element);
  const current = property(bo, 'period_start');
  const recorded = scriptedNames(injector);
  const names = new Set([...Object.keys(recorded), ...[...formFields()].filter(([n, s]) => isTimeField(n, s)).map(([n]) => n)]);
  if (current) { names.add(current); }
  return <SelectEntry {...{
    element, id, label: '期限起算字段',
    description: <div>从哪个时刻开始计算期限，如脚本记录的“提供方收到申请的时刻”{current ? <Code text={`字段：${current}`} /> : null}</div>,
    getValue: () => current,
    setValue: (value) => setProperty(injector, element, 'period_start', value),
    getOptions: () => [{ value: '', label: '（请选择）' }, ...titled([...names], (n) => fieldTitle(n, recorded))],
  }} />;
}

function isTimeField(name, spec) {
  return spec.format === 'date' || /(_at|_on|_date)$/.test(name);
}

export function UnitEntry({ element, id }) {
  const injector = useService('injector');
  const bo = getBusinessObject(element);
  const current = property(bo, 'unit');
  const names = [...formFields()].filter(([, s]) => s['x-options'] === 'units').map(([n]) => n);
  if (current && !names.includes(current)) { names.push(current); }
  return <SelectEntry {...{
    element, id, label: '办理单位字段',
    description: <div>任务交给哪个单位办理：表单中选择的单位；不选则为发起案件的单位（县大数据局泳道为县大数据局）
      {current ? <Code text={`字段：${current}`} /> : null}</div>,
    getValue: () => current,
    setValue: (value) => setProperty(injector, element, 'unit', value),
    getOptions: () => [{ value: '', label: '（发起单位）' }, ...titled(names, (n) => fieldTitle(n))],
  }} />;
}

// --- timers ---------------------------------------------------------------------------------------

const TIMER_MODES = [
  { value: 'due_day', label: '期限最后一个工作日 0 点（催办）' },
  { value: 'due', label: '期限届满时（逾期督办）' },
  { value: 'before', label: '期限前 N 个工作日 0 点' },
  { value: 'after', label: '期限后 N 个工作日' },
  { value: 'expr', label: '日期表达式（高级）' },
];

export function readTimer(expression) {
  const text = (expression || '').trim();
  let m = text.match(/^working_day_start\(task_due\(["'](\w+)["']\)\)$/);
  if (m) { return { mode: 'due_day', task: m[1], days: '' }; }
  m = text.match(/^task_due\(["'](\w+)["']\)$/);
  if (m) { return { mode: 'due', task: m[1], days: '' }; }
  m = text.match(/^working_days_(after|before)\(task_due\(["'](\w+)["']\),\s*(\d+)\)$/);
  if (m) { return { mode: m[1], task: m[2], days: m[3] }; }
  return { mode: 'expr', task: '', days: '' };
}

export function writeTimer({ mode, task, days }) {
  const due = `task_due("${task}")`;
  if (mode === 'due_day') { return `working_day_start(${due})`; }
  if (mode === 'due') { return due; }
  return `working_days_${mode}(${due}, ${days || 1})`;
}

function defaultTask(element, injector) {
  const attached = element.host && element.host.id;
  const timed = userTasks(injector).filter((t) => t.timed);
  return (timed.find((t) => t.id === attached) || timed[0] || { id: attached || '' }).id;
}

export function TimerEntries(element) {
  return [
    { id: 'xiayi-timer-mode', element, component: TimerModeEntry },
    { id: 'xiayi-timer-task', element, component: TimerTaskEntry },
    { id: 'xiayi-timer-days', element, component: TimerDaysEntry },
    { id: 'xiayi-timer-expression', element, component: TimerExpressionEntry },
  ];
}

function TimerModeEntry({ element, id }) {
  const injector = useService('injector');
  const timer = readTimer(timerExpression(element));
  return <SelectEntry {...{
    element, id, label: '何时触发',
    getValue: () => timer.mode,
    setValue: (mode) => {
      if (mode === 'expr') { return; }
      setTimerExpression(injector, element, writeTimer({ mode, task: timer.task || defaultTask(element, injector),
                                                         days: timer.days || '1' }));
    },
    getOptions: () => TIMER_MODES,
  }} />;
}

function TimerTaskEntry({ element, id }) {
  const injector = useService('injector');
  const timer = readTimer(timerExpression(element));
  if (timer.mode === 'expr') { return null; }
  return <SelectEntry {...{
    element, id, label: '按哪个环节的期限',
    description: '只能选择设置了办理期限的用户任务',
    getValue: () => timer.task,
    setValue: (task) => setTimerExpression(injector, element, writeTimer({ ...timer, task })),
    getOptions: () => {
      const tasks = userTasks(injector).filter((t) => t.timed || t.id === timer.task);
      const byId = Object.fromEntries(tasks.map((t) => [t.id, `${t.name}${t.timed ? '' : '（未设置期限）'}`]));
      return titled(tasks.map((t) => t.id), (taskId) => byId[taskId]);
    },
  }} />;
}

function TimerDaysEntry({ element, id }) {
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const timer = readTimer(timerExpression(element));
  if (timer.mode !== 'after' && timer.mode !== 'before') { return null; }
  return <TextFieldEntry {...{
    element, id, label: '工作日数', debounce,
    getValue: () => timer.days,
    setValue: (days, error) => { if (!error) { setTimerExpression(injector, element, writeTimer({ ...timer, days })); } },
    validate: (value) => (!value || periodProblem(value)) ? `应为 1 到 ${workspace.vocab.max_working_days} 之间的整数` : null,
  }} />;
}

function TimerExpressionEntry({ element, id }) {
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return <TextAreaEntry {...{
    element, id, label: '日期表达式', debounce, monospace: true,
    description: <HelpList fields />,
    getValue: () => timerExpression(element),
    setValue: (value) => setTimerExpression(injector, element, (value || '').trim()),
    isEdited: isTextAreaEntryEdited,
  }} />;
}

// --- conditions and scripts -------------------------------------------------------------------------

export function ConditionEntry({ element, id }) {
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return <TextAreaEntry {...{
    element, id, label: '条件表达式', debounce, monospace: true,
    description: <div><div>如：<code>decision == "approve"</code>。默认流不需要条件。</div><HelpList fields /></div>,
    getValue: () => conditionOf(element),
    setValue: (value) => setCondition(injector, element, (value || '').trim()),
    isEdited: isTextAreaEntryEdited,
  }} />;
}

export function DefaultFlowEntry({ element, id }) {
  const modeling = useService('modeling');
  const gateway = element.source;
  const isDefault = () => getBusinessObject(gateway).get('default') === getBusinessObject(element);
  return <CheckboxEntry {...{
    element, id, label: '默认流（其他条件都不满足时走这条）',
    getValue: isDefault,
    setValue: (checked) => modeling.updateProperties(gateway, { default: checked ? getBusinessObject(element) : undefined }),
    isEdited: isCheckboxEntryEdited,
  }} />;
}

export function ScriptEntry({ element, id }) {
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return <TextAreaEntry {...{
    element, id, label: '脚本（Python，受限）', debounce, monospace: true, rows: 6,
    description: <HelpList fields />,
    getValue: () => bo.get('script') || '',
    setValue: (value) => modeling.updateProperties(element, { script: value || '', scriptFormat: 'python' }),
    isEdited: isTextAreaEntryEdited,
  }} />;
}

const NOTIFY = /^emit\(\s*"(\w+)"\s*(?:,\s*task\s*=\s*"(\w+)"\s*)?(?:,\s*template\s*=\s*"(\w+)"\s*)?\)$/;

export function readNotify(script) {
  const text = (script || '').trim();
  if (!text) { return { event: '', task: '', template: '' }; }
  const m = text.match(NOTIFY);
  return m ? { event: m[1], task: m[2] || '', template: m[3] || '' } : null;
}

export function writeNotify({ event, task, template }) {
  if (!event) { return ''; }
  return `emit("${event}"${task ? `, task="${task}"` : ''}${template ? `, template="${template}"` : ''})`;
}

export function NotifyEntries(element) {
  return [
    { id: 'xiayi-notify-event', element, component: NotifyEntry, field: 'event' },
    { id: 'xiayi-notify-task', element, component: NotifyEntry, field: 'task' },
    { id: 'xiayi-notify-template', element, component: NotifyEntry, field: 'template' },
  ];
}

function notifyOptions(field, injector) {
  const { events, templates } = workspace.vocab;
  const pick = (items, key, title) => titled(items.map((i) => i[key]), (v) => title(items.find((i) => i[key] === v)));
  if (field === 'event') { return [{ value: '', label: '（不发事件）' }, ...pick(events, 'name', (e) => e.doc)]; }
  if (field === 'task') { return [{ value: '', label: '（全部待办环节）' }, ...pick(userTasks(injector), 'id', (t) => t.name)]; }
  return [{ value: '', label: '（按事件默认）' }, ...pick(templates, 'name', (t) => t.title)];
}

const NOTIFY_LABELS = { event: '发出的事件', task: '针对的环节', template: '通知模板' };

function NotifyEntry({ element, id, field }) {
  const injector = useService('injector');
  const modeling = useService('modeling');
  const bo = getBusinessObject(element);
  const current = readNotify(bo.get('script'));
  if (current === null) {
    return field === 'event'
      ? <div class="bio-properties-panel-entry small text-muted" data-entry-id={id}>脚本中还有其他语句，请在下方“脚本”中直接编辑。</div>
      : null;
  }
  const template = workspace.vocab.templates.find((t) => t.name === (current.template || (current.event === 'escalation' ? 'escalation' : 'reminder')));
  return <SelectEntry {...{
    element, id, label: NOTIFY_LABELS[field],
    description: field === 'template' && template && current.event
      ? <div class="xiayi-help"><div>通知示例：<b>{template.subject}</b></div><div>{template.body}</div></div> : undefined,
    getValue: () => current[field],
    setValue: (value) => modeling.updateProperties(element, {
      script: writeNotify({ ...current, [field]: value }), scriptFormat: 'python',
    }),
    getOptions: () => notifyOptions(field, injector),
  }} />;
}

