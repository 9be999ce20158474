// Our own bpmnlint rules, run in the browser while drawing (bpmn-js-bpmnlint), each problem named on its element
// in Chinese. The server's checks (workflows/engine/lint.py, structure.py, the dry run) stay the authority.
import StaticResolver from 'bpmnlint/lib/resolver/static-resolver.js';
import { is, isAny } from 'bpmnlint-utils';

const NODE_TYPES = ['bpmn:Task', 'bpmn:Gateway', 'bpmn:Event', 'bpmn:SubProcess', 'bpmn:CallActivity'];

function rule(check) {
  return function() { return { check }; };
}

function flowNodes(container) {
  return (container.flowElements || []).filter((e) => isAny(e, NODE_TYPES));
}

function walk(seeds, next) {
  const seen = new Set(seeds);
  const stack = [...seeds];
  while (stack.length) {
    for (const other of next(stack.pop())) {
      if (!seen.has(other)) { seen.add(other); stack.push(other); }
    }
  }
  return seen;
}

function label(node) {
  return node.name ? `“${node.name}”` : '该元素';
}

function step(node) {
  return (node && (node.name || '').trim()) || '未命名的元素';
}

// As the server names a flow (workflows/engine/naming.py): 连线「通过」, 「审核申请」到「不通过」的连线.
function flowLabel(flow) {
  return (flow.name || '').trim() ? `连线「${flow.name.trim()}」` : `「${step(flow.sourceRef)}」到「${step(flow.targetRef)}」的连线`;
}

// Every element reachable from a start event and able to reach an end event.
const shape = rule((node, reporter) => {
  if (!is(node, 'bpmn:Process') && !is(node, 'bpmn:SubProcess')) { return; }
  const nodes = flowNodes(node);
  if (!nodes.length) { return; }
  const starts = nodes.filter((n) => is(n, 'bpmn:StartEvent'));
  const ends = nodes.filter((n) => is(n, 'bpmn:EndEvent'));
  if (!starts.length) { reporter.report(node.id, '流程需要一个开始事件'); }
  if (!ends.length) { reporter.report(node.id, '流程需要至少一个结束事件'); }
  if (!starts.length || !ends.length) { return; }
  const boundaries = nodes.filter((n) => is(n, 'bpmn:BoundaryEvent'));
  const after = (n) => [...(n.outgoing || []).map((f) => f.targetRef),
    ...boundaries.filter((b) => b.attachedToRef === n)].filter(Boolean);
  const before = (n) => (n.incoming || []).map((f) => f.sourceRef).filter(Boolean);
  const reached = walk(starts, after);
  const ending = walk(ends, before);
  nodes.forEach((n) => {
    if (!reached.has(n)) {
      reporter.report(n.id, `${label(n)}无法从开始事件到达：请用顺序流把它接入流程，或删除它`);
    } else if (!ending.has(n)) {
      reporter.report(n.id, `${label(n)}之后无法到达任何结束事件：请补上通往结束事件的顺序流`);
    }
  });
});

// A gateway that chooses needs a condition on every way out but its one default flow.
const gatewayConditions = rule((node, reporter) => {
  if (!isAny(node, ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway'])) { return; }
  const outgoing = node.outgoing || [];
  if (outgoing.length < 2) { return; }
  const bare = outgoing.filter((f) => f !== node.default
    && !(f.conditionExpression && (f.conditionExpression.body || '').trim()));
  if (bare.length) {
    reporter.report(node.id, `网关${label(node)}有 ${outgoing.length} 条出口，除默认流外每条都需要条件`);
    bare.forEach((f) => reporter.report(f.id, `${flowLabel(f)}需要条件表达式，或设为网关的默认流`));
  }
});

// bpmnlint's no-duplicate-sequence-flows: the same source, target and condition twice. A conditional flow and the
// default flow to one target are two different flows.
const duplicateFlows = rule((node, reporter) => {
  if (!is(node, 'bpmn:Process') && !is(node, 'bpmn:SubProcess')) { return; }
  const seen = new Set();
  (node.flowElements || []).filter((e) => is(e, 'bpmn:SequenceFlow')).forEach((f) => {
    const condition = f.conditionExpression ? (f.conditionExpression.body || '').trim() : '';
    const key = JSON.stringify([f.sourceRef && f.sourceRef.id, f.targetRef && f.targetRef.id, condition]);
    if (seen.has(key)) {
      reporter.report(f.id, `${flowLabel(f)}重复：已有一条起点和终点相同的连线，${condition ? '条件也相同' : '都没有条件'}，请删除多余的一条`);
    }
    seen.add(key);
  });
});

function laneRoleRule(config) {
  const codes = new Set((config && config.roles) || []);
  const labels = new Map(((config && config.labels) || []).map(([code, text]) => [text, code]));
  return {
    check(node, reporter) {
      if (!is(node, 'bpmn:Lane')) { return; }
      const role = node.get('xiayi:role');
      const legacy = codes.has((node.name || '').trim()) || labels.has((node.name || '').trim());
      if (role ? !codes.has(role) : !legacy) {
        reporter.report(node.id, '泳道没有设置办理角色：请在右侧属性面板“泳道办理角色”中选择');
      }
    },
  };
}

function extension(node, type) {
  const ext = node.extensionElements;
  return ext ? (ext.values || []).find((v) => is(v, type)) : undefined;
}

function propertyOf(node, name) {
  const props = extension(node, 'spiffworkflow:Properties');
  const found = props && (props.properties || []).find((p) => p.name === name);
  return found ? (found.value || '').trim() : '';
}

function laneOf(node) {
  let process = node.$parent;
  while (process && !is(process, 'bpmn:Process')) { process = process.$parent; }
  const lanes = [];
  const collect = (set) => (set ? (set.lanes || []) : []).forEach((lane) => { lanes.push(lane); collect(lane.childLaneSet); });
  (process ? process.laneSets || [] : []).forEach((set) => collect(set));
  return lanes.find((lane) => (lane.flowNodeRef || []).includes(node));
}

function userTaskRule(config) {
  const max = (config && config.max) || 1000;
  return {
    check(node, reporter) {
      if (!is(node, 'bpmn:UserTask')) { return; }
      if (!laneOf(node)) { reporter.report(node.id, '用户任务不在任何泳道中，无法确定由哪个角色办理'); }
      const period = propertyOf(node, 'period');
      if (period && !(/^[0-9]+$/.test(period) && Number(period) >= 1 && Number(period) <= max)) {
        reporter.report(node.id, `办理期限应为 1 到 ${max} 之间的工作日数，现为“${period}”`);
      } else if (period && !propertyOf(node, 'period_start')) {
        reporter.report(node.id, '设置了办理期限，还需选择期限起算字段');
      }
    },
  };
}

const userTaskForm = rule((node, reporter) => {
  if (is(node, 'bpmn:UserTask') && !extension(node, 'spiffworkflow:FormJsonSchemaFilename')) {
    reporter.report(node.id, '用户任务没有选择表单：办理人只能直接点“办理”，无法填写意见');
  }
});

const noLoops = rule((node, reporter) => {
  if (is(node, 'bpmn:Activity') && node.loopCharacteristics) {
    reporter.report(node.id, '不支持循环或多实例标记，请改用经过用户任务的顺序流');
  }
});

function timerText(definition) {
  const value = definition.timeDate || definition.timeDuration || definition.timeCycle;
  return value ? (value.body || '').trim() : '';
}

const snippets = rule((node, reporter) => {
  if (is(node, 'bpmn:ScriptTask') && !(node.script || '').trim()) {
    reporter.report(node.id, '脚本为空：请在属性面板中填写脚本或选择要发出的通知');
  }
  if (is(node, 'bpmn:SequenceFlow') && node.conditionExpression && !(node.conditionExpression.body || '').trim()) {
    reporter.report(node.id, '条件表达式为空');
  }
  (node.eventDefinitions || []).filter((d) => is(d, 'bpmn:TimerEventDefinition')).forEach((d) => {
    if (!timerText(d)) { reporter.report(node.id, '定时器还没有设置触发时间：请在属性面板中选择“何时触发”'); }
  });
});

const names = rule((node, reporter) => {
  if (isAny(node, ['bpmn:Task', 'bpmn:Lane', 'bpmn:StartEvent']) && !(node.name || '').trim()) {
    reporter.report(node.id, '请填写中文名称，流程图上办理人看到的是它');
  }
});

export function lintConfig(vocab) {
  const rules = {
    'xiayi/shape': shape, 'xiayi/gateway-conditions': gatewayConditions, 'xiayi/duplicate-flows': duplicateFlows,
    'xiayi/lane-role': laneRoleRule, 'xiayi/user-task': userTaskRule, 'xiayi/user-task-form': userTaskForm,
    'xiayi/no-loops': noLoops, 'xiayi/snippets': snippets, 'xiayi/names': names,
  };
  const cache = {};
  Object.entries(rules).forEach(([name, factory]) => {
    cache[`rule:bpmnlint-plugin-xiayi/${name.split('/')[1]}`] = factory;
  });
  const roles = { roles: vocab.roles.map((r) => r.code), labels: vocab.roles.map((r) => [r.code, r.label]) };
  return {
    resolver: new StaticResolver(cache),
    config: {
      rules: {
        'xiayi/shape': 'error', 'xiayi/gateway-conditions': 'error', 'xiayi/duplicate-flows': 'error',
        'xiayi/lane-role': ['error', roles], 'xiayi/user-task': ['error', { max: vocab.max_working_days }],
        'xiayi/user-task-form': 'warn', 'xiayi/no-loops': 'error', 'xiayi/snippets': 'error', 'xiayi/names': 'warn',
      },
    },
  };
}
