// What the modeler page shares between the canvas, the properties panel and the dialogs.
export const workspace = {
  vocab: { roles: [], helpers: [], builtins: [], events: [], templates: [], option_sources: {}, widgets: {}, types: {},
           field_titles: {}, max_working_days: 1000 },
  forms: {},          // file name -> JSON Schema (the library, with what was edited here on top)
  edited: new Set(),  // forms changed in this page, sent with the diagram
  openFormEditor: null,
};

export function formTitle(name) {
  const schema = workspace.forms[name];
  return schema && schema.title ? schema.title : name;
}

/** Every field of every form the library holds: a period counts from one of them, a unit field is one of them. */
export function formFields() {
  const found = new Map();
  Object.values(workspace.forms).forEach((schema) => {
    Object.entries((schema && schema.properties) || {}).forEach(([name, spec]) => {
      if (!found.has(name)) { found.set(name, spec || {}); }
    });
  });
  return found;
}

/** A data field as people read it: its title in a form, the title of a time a script records (field_titles, from
 * the server), or the step whose script records it; the code only when nothing better is known. */
export function fieldTitle(name, recordedBy) {
  const spec = formFields().get(name);
  if (spec && spec.title) { return spec.title; }
  if (workspace.vocab.field_titles[name]) { return workspace.vocab.field_titles[name]; }
  if (recordedBy && recordedBy[name]) { return `“${recordedBy[name]}”记录的时刻`; }
  return name;
}

/** Select options labelled in Chinese, sorted by label; a code is added only where two labels would read alike. */
export function titled(values, title) {
  const labels = values.map((value) => title(value) || value);
  const options = values.map((value, i) => {
    const clash = labels[i] !== value && labels.filter((l) => l === labels[i]).length > 1;
    return { value, label: clash ? `${labels[i]}（${value}）` : labels[i] };
  });
  return options.sort((a, b) => a.label.localeCompare(b.label, 'zh-CN'));
}
