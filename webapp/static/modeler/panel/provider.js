// Our own properties-panel groups for what the engine reads: lane roles, forms and periods of user tasks,
// timers counted in working days around a task's due date, conditions, scripts and their notifications.
import { Group } from '@bpmn-io/properties-panel';
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

import {
  ConditionEntry, DefaultFlowEntry, FormButtonEntry, FormEntry, LaneRoleEntry, NotifyEntries, PeriodEntry,
  PeriodStartEntry, ScriptEntry, TimerEntries, UnitEntry,
} from './entries';

// Base groups that describe BPMN features this engine does not run (loops, messages, signals …).
const HIDDEN = new Set(['timer', 'multiInstance', 'compensation', 'error', 'message', 'signal', 'link', 'escalation',
  'adHocCompletion']);
const LOW_PRIORITY = 500;

function group(id, label, entries) {
  return entries.length ? { id, label, entries, component: Group } : null;
}

function isChoosing(element) {
  const source = element.source;
  return source && (is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway'));
}

function groupsFor(element) {
  const bo = getBusinessObject(element);
  if (is(element, 'bpmn:Lane')) {
    return [group('xiayi-lane', '泳道办理角色', [{ id: 'xiayi-lane-role', element, component: LaneRoleEntry }])];
  }
  if (is(element, 'bpmn:UserTask')) {
    return [group('xiayi-task', '办理设置', [
      { id: 'xiayi-form', element, component: FormEntry },
      { id: 'xiayi-form-edit', element, component: FormButtonEntry },
      { id: 'xiayi-period', element, component: PeriodEntry },
      { id: 'xiayi-period-start', element, component: PeriodStartEntry },
      { id: 'xiayi-unit', element, component: UnitEntry },
    ])];
  }
  if (is(element, 'bpmn:StartEvent') && !(bo.get('eventDefinitions') || []).length) {
    return [group('xiayi-start', '开始表单', [
      { id: 'xiayi-form', element, component: FormEntry },
      { id: 'xiayi-form-edit', element, component: FormButtonEntry },
    ])];
  }
  if ((bo.get('eventDefinitions') || []).some((d) => is(d, 'bpmn:TimerEventDefinition'))) {
    return [group('xiayi-timer', '定时器（按工作日）', TimerEntries(element))];
  }
  if (is(element, 'bpmn:SequenceFlow') && isChoosing(element)) {
    return [group('xiayi-condition', '条件', [
      { id: 'xiayi-condition', element, component: ConditionEntry },
      { id: 'xiayi-default', element, component: DefaultFlowEntry },
    ])];
  }
  if (is(element, 'bpmn:ScriptTask')) {
    return [
      group('xiayi-notify', '通知（催办、督办等）', NotifyEntries(element)),
      group('xiayi-script', '脚本', [{ id: 'xiayi-script', element, component: ScriptEntry }]),
    ];
  }
  return [];
}

export default function XiayiPropertiesProvider(propertiesPanel) {
  this.getGroups = function(element) {
    return function(groups) {
      const kept = groups.filter((g) => !HIDDEN.has(g.id));
      const ours = groupsFor(element).filter(Boolean);
      return [kept[0], ...ours, ...kept.slice(1)].filter(Boolean);
    };
  };
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}

XiayiPropertiesProvider.$inject = ['propertiesPanel'];
