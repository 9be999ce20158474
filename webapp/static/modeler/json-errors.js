// Where and why a JSON text is invalid, in Chinese, the same wording the server uses (workflows/engine/forms.py).
// The browser's own JSON.parse messages are English and differ between browsers, so the text is scanned here.

const WS = ' \t\n\r';

class Stop extends Error {
  constructor(at, what) { super(what); this.at = at; this.what = what; }
}

function scanner(text) {
  let i = 0;
  const skip = () => { while (i < text.length && WS.includes(text[i])) { i += 1; } };
  const fail = (what) => { throw new Stop(i, i >= text.length ? '内容不完整（缺少结尾的括号、引号或值）' : what); };

  function string() {
    i += 1;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') { i += 1; return; }
      if (c === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { fail('转义字符 \\u 后应为 4 位十六进制数'); }
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          i += 2;
        } else {
          fail('无效的转义字符（反斜杠 \\ 要写成 \\\\）');
        }
      } else if (c < ' ') {
        fail('字符串中不能直接换行或含控制字符');
      } else {
        i += 1;
      }
    }
    fail('字符串缺少结尾的双引号 "');
  }

  function literal() {
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (number && number[0]) { i += number[0].length; return; }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) { i += word.length; return; }
    }
    fail(text[i] === "'" ? '字符串和属性名要用双引号 "，不能用单引号' : '此处应为一个值（字符串、数字、对象、数组、true、false 或 null）');
  }

  function object() {
    i += 1; skip();
    if (text[i] === '}') { i += 1; return; }
    for (;;) {
      skip();
      if (text[i] !== '"') { fail(text[i] === '}' ? '最后一项后面多了逗号' : '此处应为用双引号括起的属性名或 “}”'); }
      string(); skip();
      if (text[i] !== ':') { fail('属性名后面应为冒号 “:”'); }
      i += 1; value(); skip();
      if (text[i] === ',') { i += 1; continue; }
      if (text[i] === '}') { i += 1; return; }
      fail('此处应为逗号 “,” 或 “}”');
    }
  }

  function array() {
    i += 1; skip();
    if (text[i] === ']') { i += 1; return; }
    for (;;) {
      skip();
      if (text[i] === ']') { fail('最后一项后面多了逗号'); }
      value(); skip();
      if (text[i] === ',') { i += 1; continue; }
      if (text[i] === ']') { i += 1; return; }
      fail('此处应为逗号 “,” 或 “]”');
    }
  }

  function value() {
    skip();
    const c = text[i];
    if (c === '{') { object(); } else if (c === '[') { array(); } else if (c === '"') { string(); } else { literal(); }
  }

  return () => {
    value(); skip();
    if (i < text.length) { fail('值结束后还有多余的内容'); }
  };
}

function lineAndColumn(text, at) {
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** null when the text is valid JSON, else "第 L 行第 C 个字符附近：JSON 格式错误（原因）". */
export function jsonProblem(text) {
  try {
    scanner(text)();
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) { throw err; }
    const { line, column } = lineAndColumn(text, Math.min(err.at, text.length));
    return `第 ${line} 行第 ${column} 个字符附近：JSON 格式错误（${err.what}）`;
  }
}
