// What the modeler page shares between the canvas, the properties panel and the dialogs.
export const workspace = {
  vocab: { roles: [], helpers: [], builtins: [], events: [], templates: [], option_sources: {}, widgets: {}, types: {},
           max_working_days: 1000 },
  forms: {},          // file name -> JSON Schema (the library, with what was edited here on top)
  edited: new Set(),  // forms changed in this page, sent with the diagram
  openFormEditor: null,
};

export function formTitle(name) {
  const schema = workspace.forms[name];
  return schema && schema.title ? `${schema.title}（${name}）` : name;
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
