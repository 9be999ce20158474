// "打开文件": a .bpmn file from disk, e.g. exported by Camunda Modeler, Signavio or Bizagi. The server takes out the
// extensions of other tools (POST /processes/open, the same allow-list deploy checks) and lists them; the modeler
// confirms before the diagram replaces what is on the canvas. Nothing is stored until a draft is saved or deployed.
import { message } from './results';
import { workspace } from './state';

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) { node.textContent = text; }
  return node;
}

function modal() {
  return window.bootstrap.Modal.getOrCreateInstance(document.getElementById('open-modal'));
}

async function upload(page, file) {
  const form = new FormData();
  form.append('file', file);
  const response = await fetch(page.data.open, {
    method: 'POST', credentials: 'same-origin', body: form, headers: { 'X-CSRFToken': page.data.csrf },
  });
  try {
    return await response.json();
  } catch (err) {
    throw new Error(`服务器返回 ${response.status}`);
  }
}

async function show(page, file, body) {
  await page.modeler.importXML(body.xml);
  page.modeler.get('canvas').zoom('fit-viewport');
  Object.assign(workspace.forms, body.forms || {});
  page.baseVersion = body.base_version;
  page.setDirty(true);
  const removed = body.removed.length ? `已删除其他建模工具的扩展 ${body.removed.length} 项。` : '';
  message(page.out, 'info', `已打开文件“${file.name}”（流程 ${body.process_key}）。${removed}请检查后保存草稿或部署。`);
}

function confirmRemoval(page, file, body) {
  const list = el('ul', { class: 'mb-0', id: 'open-removed-list' });
  body.removed.forEach((line) => list.append(el('li', {}, line)));
  document.getElementById('open-removed').replaceChildren(list);
  document.getElementById('open-removed-box').classList.toggle('d-none', !body.removed.length);
  document.getElementById('open-unsaved').classList.toggle('d-none', !page.dirty);
  document.getElementById('open-modal-title').textContent = `打开“${file.name}”`;
  const button = document.getElementById('open-confirm');
  button.textContent = body.removed.length ? '删除这些扩展并打开' : '打开';
  let confirmed = false;
  button.onclick = () => page.guard(async () => { confirmed = true; modal().hide(); await show(page, file, body); });
  document.getElementById('open-modal').addEventListener('hidden.bs.modal', () => {
    if (!confirmed) { message(page.out, 'secondary', `未打开“${file.name}”，建模器中的流程图未改变。`); }
  }, { once: true });
  modal().show();
}

/** Wire the "打开文件…" button of the modeler page. */
export function setupOpenFile(page) {
  const input = document.getElementById('open-file');
  document.getElementById('open-btn').addEventListener('click', () => input.click());
  input.addEventListener('change', () => page.guard(async () => {
    const file = input.files[0];
    input.value = '';
    if (!file) { return; }
    message(page.out, 'secondary', `正在打开“${file.name}”…`);
    const body = await upload(page, file);
    if (!body.ok) {
      message(page.out, 'danger', body.message, el('div', {}, (body.details || []).join('；')));
      return;
    }
    if (body.removed.length || page.dirty) {
      message(page.out, 'secondary', '请在对话框中确认');
      confirmRemoval(page, file, body);
      return;
    }
    await show(page, file, body);
  }));
}
