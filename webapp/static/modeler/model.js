// Reading and writing what the engine reads from a diagram: spiffworkflow properties, the form, timers, conditions.
// Every write is one undoable command (the properties panel's multi-command executor).
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

export function extension(bo, type) {
  const ext = bo && bo.get('extensionElements');
  return ext ? (ext.get('values') || []).find((value) => is(value, type)) : undefined;
}

export function property(bo, name) {
  const props = extension(bo, 'spiffworkflow:Properties');
  const found = props && (props.get('properties') || []).find((p) => p.name === name);
  return found ? (found.value || '') : '';
}

export function bodyOf(bo, type) {
  const found = extension(bo, type);
  return found ? (found.value || '').trim() : '';
}

function ensureExtensions(bo, bpmnFactory, commands) {
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    commands.push(update(bo, { extensionElements: ext }));
  }
  return ext;
}

function update(moddleElement, properties, element) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

function run(injector, element, commands) {
  commands.forEach((c) => { c.context.element = element; });
  if (commands.length) {
    injector.get('commandStack').execute('properties-panel.multi-command-executor', commands);
  }
}

/** Set (or, with '', remove) a spiffworkflow:property of a task. */
export function setProperty(injector, element, name, value) {
  const bo = getBusinessObject(element);
  const bpmnFactory = injector.get('bpmnFactory');
  const commands = [];
  const text = (value === undefined || value === null) ? '' : String(value);
  let props = extension(bo, 'spiffworkflow:Properties');
  const current = props && (props.get('properties') || []).find((p) => p.name === name);
  if (!text) {
    if (current) {
      commands.push(update(props, { properties: props.get('properties').filter((p) => p !== current) }));
    }
    return run(injector, element, commands);
  }
  if (current) {
    commands.push(update(current, { value: text }));
    return run(injector, element, commands);
  }
  const ext = ensureExtensions(bo, bpmnFactory, commands);
  if (!props) {
    props = bpmnFactory.create('spiffworkflow:Properties', { properties: [] });
    props.$parent = ext;
    commands.push(update(ext, { values: [...(ext.get('values') || []), props] }));
  }
  const created = bpmnFactory.create('spiffworkflow:Property', { name, value: text });
  created.$parent = props;
  commands.push(update(props, { properties: [...(props.get('properties') || []), created] }));
  run(injector, element, commands);
}

/** Set (or, with '', remove) a body-only extension such as spiffworkflow:formJsonSchemaFilename. */
export function setBody(injector, element, type, value) {
  const bo = getBusinessObject(element);
  const commands = [];
  const current = extension(bo, type);
  if (!value) {
    if (current) {
      const ext = bo.get('extensionElements');
      commands.push(update(ext, { values: ext.get('values').filter((v) => v !== current) }));
    }
    return run(injector, element, commands);
  }
  if (current) {
    commands.push(update(current, { value }));
    return run(injector, element, commands);
  }
  const bpmnFactory = injector.get('bpmnFactory');
  const ext = ensureExtensions(bo, bpmnFactory, commands);
  const created = bpmnFactory.create(type, { value });
  created.$parent = ext;
  commands.push(update(ext, { values: [created, ...(ext.get('values') || [])] }));
  run(injector, element, commands);
}

export function timerDefinition(element) {
  const bo = getBusinessObject(element);
  return (bo.get('eventDefinitions') || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

export function timerExpression(element) {
  const timer = timerDefinition(element);
  const value = timer && (timer.get('timeDate') || timer.get('timeDuration') || timer.get('timeCycle'));
  return value ? (value.get('body') || '').trim() : '';
}

/** The engine reads a timer as a date expression (timeDate): working days around a task's due date. */
export function setTimerExpression(injector, element, text) {
  const timer = timerDefinition(element);
  if (!timer) { return; }
  const expression = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: text });
  expression.$parent = timer;
  run(injector, element, [update(timer, { timeDate: expression, timeDuration: undefined, timeCycle: undefined })]);
}

export function conditionOf(element) {
  const condition = getBusinessObject(element).get('conditionExpression');
  return condition ? (condition.get('body') || '').trim() : '';
}

export function setCondition(injector, element, text) {
  const bo = getBusinessObject(element);
  let condition;
  if (text) {
    condition = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: text });
    condition.$parent = bo;
  }
  run(injector, element, [update(bo, { conditionExpression: condition })]);
}

/** Every user task in the diagram: id, name and whether it declares a period (so task_due works). */
export function userTasks(injector) {
  return injector.get('elementRegistry').filter((e) => is(e, 'bpmn:UserTask') && e.type !== 'label')
    .map((e) => ({ id: e.id, name: getBusinessObject(e).name || e.id, timed: !!property(getBusinessObject(e), 'period') }));
}

/** The forms the diagram's tasks and start events reference. */
export function usedForms(injector) {
  const names = new Set();
  injector.get('elementRegistry').forEach((e) => {
    const name = e.businessObject && bodyOf(e.businessObject, 'spiffworkflow:FormJsonSchemaFilename');
    if (name) { names.add(name); }
  });
  return [...names];
}

/** Names scripts assign (`x = …`) and the script task that assigns each, so a period can count from a time a
 * script records and the panel can say which step recorded it. */
export function scriptedNames(injector) {
  const names = {};
  injector.get('elementRegistry').forEach((e) => {
    if (is(e, 'bpmn:ScriptTask') && e.type !== 'label') {
      const bo = getBusinessObject(e);
      for (const match of (bo.get('script') || '').matchAll(/^\s*([a-z_][a-z0-9_]*)\s*=(?!=)/gim)) {
        names[match[1]] = names[match[1]] || bo.name || e.id;
      }
    }
  });
  return names;
}
