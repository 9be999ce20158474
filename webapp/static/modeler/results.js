// Showing what the server said about a diagram: problems on their elements, the dry run's paths (a failing one
// drawn on the diagram), and what a deploy would change.
const MARKERS = ['check-issue', 'dry-path', 'dry-failed', 'diff-added', 'diff-changed'];

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) { node.textContent = text; }
  return node;
}

export function clearMarkers(modeler) {
  const canvas = modeler.get('canvas');
  modeler.get('elementRegistry').forEach((element) => MARKERS.forEach((m) => canvas.removeMarker(element, m)));
}

export function mark(modeler, ids, marker) {
  const registry = modeler.get('elementRegistry');
  const canvas = modeler.get('canvas');
  (ids || []).forEach((id) => { if (registry.get(id)) { canvas.addMarker(id, marker); } });
}

function select(modeler, id) {
  const element = modeler.get('elementRegistry').get(id);
  if (element) {
    modeler.get('selection').select(element);
    modeler.get('canvas').scrollToElement(element);
  }
}

/** A list of problems, each with a button that selects its element on the diagram. */
export function issueList(modeler, issues) {
  const list = el('ul', { class: 'mb-0 issue-list' });
  issues.forEach((issue) => {
    const item = el('li');
    if (issue.element_id && modeler.get('elementRegistry').get(issue.element_id)) {
      const button = el('button', { type: 'button', class: 'btn btn-link btn-sm p-0 align-baseline' }, `[${issue.element_id}]`);
      button.addEventListener('click', () => select(modeler, issue.element_id));
      item.append(button, ' ');
    } else if (issue.element_id) {
      item.append(`[${issue.element_id}] `);
    }
    item.append(issue.message);
    list.append(item);
  });
  return list;
}

/** The dry run's paths; a failing path is drawn on the diagram. */
export function dryRunList(modeler, run) {
  const box = el('div', { class: 'dry-run mt-2', id: 'dry-run' });
  box.append(el('div', { class: 'fw-semibold', id: 'dry-run-summary' }, `试运行：${run.summary}`));
  const list = el('ol', { class: 'small mb-0' });
  run.paths.forEach((path) => {
    const item = el('li', { class: path.ok ? 'text-success' : 'text-danger fw-semibold' });
    const choices = path.choices.length ? `（${path.choices.join('；')}）` : '';
    item.textContent = `${path.ok ? '✓' : '✗'} ${path.route}${choices}：${path.message}`;
    const show = el('button', { type: 'button', class: 'btn btn-link btn-sm py-0' }, '在图上显示');
    show.addEventListener('click', () => drawPath(modeler, path));
    item.append(show);
    list.append(item);
  });
  box.append(list);
  const failed = run.paths.find((p) => !p.ok);
  if (failed) { drawPath(modeler, failed); }
  return box;
}

export function drawPath(modeler, path) {
  const canvas = modeler.get('canvas');
  modeler.get('elementRegistry').forEach((e) => ['dry-path', 'dry-failed'].forEach((m) => canvas.removeMarker(e, m)));
  mark(modeler, [...path.elements, ...path.flows], 'dry-path');
  if (!path.ok && path.where) { mark(modeler, [path.where], 'dry-failed'); }
}

/** What the new version changes, drawn on the diagram and listed for the confirmation. */
export function diffList(modeler, diff) {
  mark(modeler, diff.added, 'diff-added');
  mark(modeler, diff.changed, 'diff-changed');
  const list = el('ul', { class: 'mb-0', id: 'deploy-diff' });
  if (!diff.lines.length) { list.append(el('li', {}, '只调整了布局或说明文字')); }
  diff.changes.forEach((change) => {
    if (change.kind === 'changed') {
      change.details.forEach((line) => list.append(el('li', { class: 'diff-changed-line' }, line)));
    } else {
      list.append(el('li', { class: `diff-${change.kind}-line` }, `${change.kind === 'added' ? '新增' : '删除'}${change.label}`));
    }
  });
  return list;
}

export function versionTable(versions, next) {
  const table = el('table', { class: 'table table-sm small mb-0', id: 'deploy-cases' });
  const head = el('tr');
  ['版本', '进行中案件', '全部案件'].forEach((t) => head.append(el('th', {}, t)));
  table.append(el('thead'), el('tbody'));
  table.tHead.append(head);
  if (next) {
    const row = el('tr', { class: 'table-success' });
    [`第 ${next} 版（将部署）`, '新案件从此版本开始', '—'].forEach((t) => row.append(el('td', {}, t)));
    table.tBodies[0].append(row);
  }
  versions.forEach((v) => {
    const row = el('tr');
    [`第 ${v.version} 版`, `${v.running} 件`, `${v.total} 件`].forEach((t) => row.append(el('td', {}, t)));
    table.tBodies[0].append(row);
  });
  return table;
}

export function message(target, kind, ...parts) {
  target.className = `alert alert-${kind} small mb-2`;
  target.replaceChildren(...parts);
}
