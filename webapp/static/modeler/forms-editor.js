// The form-schema editor: the JSON Schema of a user task's form beside a live preview of the form people fill in.
// The edited schema goes with the diagram to the server, which checks it and deploys it with the version.
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

import { jsonProblem } from './json-errors';
import { bodyOf, setBody } from './model';
import { workspace } from './state';

const FORM = 'spiffworkflow:FormJsonSchemaFilename';
const NAME = /^[a-z][a-z0-9_]{0,60}\.schema\.json$/;
const FIELD = /^[a-z][a-z0-9_]{0,49}$/;

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => { if (v !== undefined && v !== false) { node.setAttribute(k, v === true ? '' : v); } });
  if (text !== undefined) { node.textContent = text; }
  return node;
}

/** Problems the server would also name; the server's check stays the authority. */
export function problemsOf(schema) {
  const found = [];
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) { return ['表单定义应为 JSON 对象']; }
  if (!schema.properties || typeof schema.properties !== 'object') { return ['缺少 properties（字段列表）']; }
  const { types, widgets, option_sources: sources, helpers } = workspace.vocab;
  const reserved = new Set(helpers.map((h) => h.name));
  Object.entries(schema.properties).forEach(([name, spec]) => {
    if (!FIELD.test(name)) { found.push(`字段 ${name}：字段名只能用小写英文字母开头，由小写字母、数字和下划线组成`); }
    if (reserved.has(name)) { found.push(`字段 ${name}：与内置函数同名，请换一个名字`); }
    if (!spec || typeof spec !== 'object') { found.push(`字段 ${name}：字段定义应为 JSON 对象`); return; }
    if (spec.type && !(spec.type in types)) { found.push(`字段 ${name}：类型 ${spec.type} 不支持（可用：${Object.keys(types).join('、')}）`); }
    if (spec['x-widget'] && !(spec['x-widget'] in widgets)) { found.push(`字段 ${name}：显示方式 ${spec['x-widget']} 不支持`); }
    if (spec['x-options'] && !(spec['x-options'] in sources)) { found.push(`字段 ${name}：选项来源 ${spec['x-options']} 不存在`); }
    if (spec.enumNames && (!Array.isArray(spec.enum) || spec.enum.length !== spec.enumNames.length)) {
      found.push(`字段 ${name}：enumNames 应与 enum 一一对应`);
    }
  });
  (schema.required || []).forEach((r) => { if (!(r in schema.properties)) { found.push(`必填字段 ${r} 没有定义`); } });
  return found;
}

function widgetOf(spec) {
  if (spec.type === 'array') { return 'checkboxes'; }
  if (spec.format === 'date') { return 'date'; }
  if (spec.enum || spec['x-options']) { return spec['x-widget'] || 'select'; }
  if (spec.type === 'boolean') { return 'checkbox'; }
  return spec['x-widget'] || 'input';
}

function optionsOf(spec) {
  if (spec['x-options']) {
    return [['', `（运行时从“${workspace.vocab.option_sources[spec['x-options']] || spec['x-options']}”取选项）`]];
  }
  const names = spec.enumNames || spec.enum || [];
  return (spec.enum || []).map((v, i) => [String(v), String(names[i])]);
}

function control(name, spec, required) {
  const id = `preview-${name}`;
  const widget = widgetOf(spec);
  const wrap = el('div', { class: 'mb-3' });
  if (widget === 'checkbox') {
    const box = el('div', { class: 'form-check' });
    box.append(el('input', { class: 'form-check-input', type: 'checkbox', id }), el('label', { class: 'form-check-label', for: id }, spec.title || name));
    wrap.append(box);
  } else {
    const lab = el('label', { class: 'form-label', for: id }, spec.title || name);
    if (required) { lab.append(el('span', { class: 'text-danger' }, ' *')); }
    wrap.append(lab);
    if (widget === 'radio' || widget === 'checkboxes') {
      optionsOf(spec).forEach(([value, text], i) => {
        const box = el('div', { class: 'form-check' });
        box.append(el('input', { class: 'form-check-input', type: widget === 'radio' ? 'radio' : 'checkbox', name: id, id: `${id}-${i}`, value }),
          el('label', { class: 'form-check-label', for: `${id}-${i}` }, text));
        wrap.append(box);
      });
    } else if (widget === 'select') {
      const select = el('select', { class: 'form-select', id });
      select.append(el('option', { value: '' }, '请选择'));
      optionsOf(spec).forEach(([value, text]) => select.append(el('option', { value }, text)));
      wrap.append(select);
    } else if (widget === 'textarea') {
      wrap.append(el('textarea', { class: 'form-control', id, rows: 3, maxlength: spec.maxLength }));
    } else {
      wrap.append(el('input', { class: 'form-control', id, type: widget === 'date' ? 'date' : 'text', maxlength: spec.maxLength }));
    }
  }
  if (spec.description) { wrap.append(el('div', { class: 'form-text' }, spec.description)); }
  return wrap;
}

export function renderPreview(target, schema) {
  target.replaceChildren();
  if (schema.title) { target.append(el('h3', { class: 'h6' }, schema.title)); }
  const required = new Set(schema.required || []);
  Object.entries(schema.properties || {}).forEach(([name, spec]) => {
    target.append(control(name, spec && typeof spec === 'object' ? spec : {}, required.has(name)));
  });
  target.append(el('button', { type: 'button', class: 'btn btn-primary btn-sm', disabled: true }, '办理完成'));
}

function starter(element) {
  return {
    title: getBusinessObject(element).name || '办理',
    type: 'object',
    properties: { note: { type: 'string', title: '办理意见', 'x-widget': 'textarea', maxLength: 2000 } },
    required: ['note'],
  };
}

export function setupFormEditor(modeler, onChange) {
  const modal = document.getElementById('form-modal');
  const nameInput = document.getElementById('form-name');
  const text = document.getElementById('form-json');
  const problems = document.getElementById('form-problems');
  const preview = document.getElementById('form-preview');
  const dialog = window.bootstrap.Modal.getOrCreateInstance(modal);
  let current = null;

  function refresh() {
    let schema;
    try {
      schema = JSON.parse(text.value);
    } catch (err) {
      problems.textContent = jsonProblem(text.value) || 'JSON 格式错误，请检查括号、引号和逗号';
      return null;
    }
    const found = problemsOf(schema);
    if (!NAME.test(nameInput.value.trim())) { found.unshift('文件名应为小写英文、数字和下划线，以 .schema.json 结尾'); }
    problems.replaceChildren(...found.map((p) => el('div', {}, p)));
    renderPreview(preview, schema);
    return found.length ? null : schema;
  }

  text.addEventListener('input', refresh);
  nameInput.addEventListener('input', refresh);
  document.getElementById('form-apply').addEventListener('click', () => {
    const schema = refresh();
    if (!schema || !current) { return; }
    const name = nameInput.value.trim();
    workspace.forms[name] = schema;
    workspace.edited.add(name);
    setBody(modeler.get('injector'), current, FORM, name);
    onChange();
    dialog.hide();
  });

  workspace.openFormEditor = (element) => {
    current = element;
    const name = bodyOf(getBusinessObject(element), FORM);
    const processId = (modeler.getDefinitions().rootElements || []).find((r) => r.$type === 'bpmn:Process');
    nameInput.value = name || `${((processId && processId.id) || 'process').toLowerCase()}_${element.id.toLowerCase()}.schema.json`
      .replace(/[^a-z0-9_.]/g, '_');
    text.value = JSON.stringify(workspace.forms[name] || starter(element), null, 2);
    document.getElementById('form-modal-title').textContent = `表单定义：${getBusinessObject(element).name || element.id}`;
    refresh();
    dialog.show();
  };
}
