// The browser modeler: bpmn-js with our properties panel and lint rules; check, save a draft, deploy after a
// confirmation that shows the difference from the running version. Bundled by scripts/build-assets.mjs.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';

import { setupFormEditor } from './forms-editor';
import { lintConfig } from './lint';
import { usedForms } from './model';
import { setupOpenFile } from './open-file';
import spiffworkflow from './moddle-spiffworkflow.json';
import xiayi from './moddle-xiayi.json';
import XiayiPropertiesProvider from './panel/provider';
import {
  clearMarkers, diffList, dryRunList, issueList, message, versionTable,
} from './results';
import { workspace } from './state';
import { TranslateModule } from './translate';

const BLANK = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:xiayi="http://xiayi.gov.example/bpmn/ext" id="Defs_new" targetNamespace="http://xiayi.gov.example/bpmn">
  <bpmn:process id="new_process" name="新流程" isExecutable="true">
    <bpmn:startEvent id="new_start" name="开始" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="new_diagram">
    <bpmndi:BPMNPlane id="new_plane" bpmnElement="new_process">
      <bpmndi:BPMNShape id="new_start_di" bpmnElement="new_start"><dc:Bounds x="180" y="160" width="36" height="36" /></bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;

const XiayiProviderModule = { __init__: ['xiayiPropertiesProvider'], xiayiPropertiesProvider: ['type', XiayiPropertiesProvider] };

function text(tag, value, attrs) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  node.textContent = value;
  return node;
}

function link(href, label) {
  return text('a', label, { href, class: 'alert-link ms-2' });
}

class Page {
  constructor(root) {
    this.root = root;
    this.data = root.dataset;
    this.out = document.getElementById('modeler-result');
    this.details = document.getElementById('check-details');
    this.baseVersion = null;
    this.dirty = false;
  }

  async start() {
    const response = await fetch(this.data.workspace, { credentials: 'same-origin' });
    if (!response.ok) { throw new Error(`工作区加载失败（${response.status}）`); }
    const body = await response.json();
    Object.assign(workspace.vocab, body);
    workspace.forms = body.forms || {};
    this.baseVersion = body.base_version;
    this.modeler = new BpmnModeler({
      container: this.root,
      propertiesPanel: { parent: '#properties' },
      linting: { bpmnlint: lintConfig(workspace.vocab), active: true },
      additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, XiayiProviderModule, lintModule,
        TranslateModule],
      moddleExtensions: { spiffworkflow, xiayi },
    });
    await this.modeler.importXML(body.xml || BLANK);
    this.modeler.get('canvas').zoom('fit-viewport');
    this.modeler.on('commandStack.changed', () => this.setDirty(true));
    setupFormEditor(this.modeler, () => this.setDirty(true));
    setupOpenFile(this);
    window.addEventListener('beforeunload', (event) => { if (this.dirty) { event.preventDefault(); } });
    this.bind();
    this.root.dataset.ready = 'true';
  }

  setDirty(value) {
    this.dirty = value;
    document.getElementById('dirty-flag').classList.toggle('d-none', !value);
  }

  bind() {
    document.getElementById('check-btn').addEventListener('click', () => this.guard(() => this.check()));
    document.getElementById('draft-btn').addEventListener('click', () => this.guard(() => this.saveDraft()));
    document.getElementById('deploy-btn').addEventListener('click', () => this.guard(() => this.preview()));
    document.getElementById('deploy-confirm').addEventListener('click', () => this.guard(() => this.deploy()));
  }

  async guard(action) {
    try {
      await action();
    } catch (err) {
      message(this.out, 'danger', `请求失败：${err.message}。您的修改仍在页面上，请检查网络后重试。`);
    }
  }

  async payload(extra) {
    const { xml } = await this.modeler.saveXML({ format: true });
    const forms = {};
    usedForms(this.modeler.get('injector')).forEach((name) => {
      if (workspace.forms[name]) { forms[name] = workspace.forms[name]; }
    });
    return { xml, forms, base_version: this.baseVersion, ...extra };
  }

  async post(url, extra) {
    const response = await fetch(url, {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(await this.payload(extra)),
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': this.data.csrf },
    });
    let body;
    try {
      body = await response.json();
    } catch (err) {
      throw new Error(`服务器返回 ${response.status}`);
    }
    return { status: response.status, body };
  }

  showVerdict(body) {
    clearMarkers(this.modeler);
    this.details.replaceChildren();
    const issues = body.issues || [];
    issues.forEach((i) => i.element_id && this.modeler.get('elementRegistry').get(i.element_id)
      && this.modeler.get('canvas').addMarker(i.element_id, 'check-issue'));
    if (body.dry_run) { this.details.append(dryRunList(this.modeler, body.dry_run)); }
    if (!issues.length && body.ok) {
      message(this.out, 'success', `检查通过：${body.dry_run ? body.dry_run.summary : ''}，可以部署。`);
      return true;
    }
    const head = body.message || `发现 ${issues.length} 处问题，未通过检查：`;
    message(this.out, 'danger', head, issues.length ? issueList(this.modeler, issues)
      : issueList(this.modeler, (body.details || []).map((d) => ({ message: d }))));
    return false;
  }

  async check() {
    message(this.out, 'secondary', '正在检查并试运行…');
    const { body } = await this.post(this.data.check);
    this.showVerdict(body);
  }

  async saveDraft() {
    message(this.out, 'secondary', '正在保存草稿…');
    const { body } = await this.post(this.data.draft);
    if (body.ok) {
      this.setDirty(false);
      message(this.out, 'info', body.message);
    } else {
      message(this.out, 'danger', body.message, issueList(this.modeler, (body.details || []).map((d) => ({ message: d }))));
    }
  }

  async preview() {
    message(this.out, 'secondary', '正在检查并试运行，准备部署确认…');
    const { body } = await this.post(this.data.preview);
    if (!this.showVerdict(body)) {
      message(this.out, 'danger', '未通过检查，不能部署：', issueList(this.modeler, body.issues || []));
      return;
    }
    if (body.unchanged) {
      message(this.out, 'info', `内容与当前第 ${body.latest.version} 版相同，无需部署。`);
      return;
    }
    const next = body.latest ? body.latest.version + 1 : 1;
    this.deployed = body;
    document.getElementById('deploy-modal-title').textContent = `部署“${body.name}”第 ${next} 版`;
    document.getElementById('deploy-diff-box').replaceChildren(
      text('div', body.latest ? `与当前第 ${body.latest.version} 版相比：` : '这是该流程的第一个版本。', { class: 'fw-semibold' }),
      diffList(this.modeler, body.diff || { changes: [], lines: [], added: [], changed: [] }),
      text('div', `试运行：${body.dry_run.summary}`, { class: 'small text-success mt-2' }));
    document.getElementById('deploy-cases-box').replaceChildren(versionTable(body.versions, next));
    document.getElementById('deploy-error').replaceChildren();
    window.bootstrap.Modal.getOrCreateInstance(document.getElementById('deploy-modal')).show();
  }

  async deploy() {
    const note = document.getElementById('deploy-note');
    const error = document.getElementById('deploy-error');
    if (!note.value.trim()) {
      error.replaceChildren(text('div', '请填写变更说明：修改了什么、为什么修改。', { class: 'text-danger' }));
      note.focus();
      return;
    }
    const button = document.getElementById('deploy-confirm');
    if (button.disabled) { return; } // a double click deploys once and shows the first click's answer
    button.disabled = true;
    let answer;
    try {
      answer = await this.post(this.data.deploy, { note: note.value });
    } finally {
      button.disabled = false;
    }
    const { status, body } = answer;
    if (status !== 200) {
      error.replaceChildren(text('div', body.message, { class: 'text-danger' }),
        issueList(this.modeler, body.issues || (body.details || []).map((d) => ({ message: d }))));
      return;
    }
    window.bootstrap.Modal.getOrCreateInstance(document.getElementById('deploy-modal')).hide();
    const previous = this.baseVersion;
    this.baseVersion = body.version;
    const badge = document.getElementById('current-version');
    badge.textContent = `当前部署：第 ${body.version} 版`;
    badge.classList.remove('d-none');
    note.value = '';
    this.setDirty(false);
    const parts = [body.message, ' ', link(this.data.versions.replace('__KEY__', body.process_key), '查看版本')];
    if (previous) {
      parts.push(' · ', link(`${this.data.move.replace('__KEY__', body.process_key)}?from=${previous}&to=${body.version}`, '迁移进行中的案件'));
    }
    message(this.out, 'success', ...parts);
  }
}

const root = document.getElementById('modeler');
if (root) {
  new Page(root).start().catch((err) => {
    message(document.getElementById('modeler-result'), 'danger', `流程图无法打开：${err.message}。请刷新重试。`);
  });
}
