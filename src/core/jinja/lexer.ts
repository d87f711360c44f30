/**
 * Jinja2's lexer (jinja2/lexer.py, default Environment settings), producing the tokens
 * @huggingface/jinja's parser reads. Ours rather than the engine's, because the engine's lexer
 * differs from Jinja2 where templates notice: `{% raw %}`, Python string escapes (`'\d'` keeps
 * its backslash), `1e3` and `1_000` literals, a trailing newline, `\r\n`, whitespace control.
 *
 * Two rewrites fit Jinja2's grammar onto the engine's parser: a test (`x is divisibleby 3`,
 * `x is not none`) becomes a filter whose name holds a space (`x | "is divisibleby"(3)`),
 * so no template can name it; tests and filters bind alike in Jinja2. `{{ a, b }}` (a tuple)
 * is parenthesised, and `(x,)` and `()` become a call of a tuple maker no template can name.
 * `{% with a = x, b = y %}…{% endwith %}` becomes `{% set A = (x, y) %}` (its values are taken
 * in the enclosing scope, at the `with`), a macro `W(a, b)` holding the body, and `{{ W(*A) }}`,
 * under names no template can write: the body gets a scope of its own, as in Jinja2.
 */
import { TemplateError } from './common.js';
import { SPACE_CLASS } from './text.js';

export interface Token {
  type: string;
  value: string;
  /**
   * How many brackets enclose an operator. The parser keeps operator tokens in its nodes, so
   * the interpreter can tell `a < b < c` (a chain, as in Python) from `(a < b) < c`.
   */
  depth?: number;
}

/** The prefix of the filter name a test is rewritten to. */
export const TEST_PREFIX = 'is ';
/** The name `(x,)` and `()` are rewritten to call (the engine's parser reads neither). */
export const TUPLE_CALL = '(,)';
/** The prefix of the macro a `{% with %}` body becomes. */
export const WITH_PREFIX = 'with ';

const WHITESPACE = new RegExp(`${SPACE_CLASS}+`, 'uy');
const FLOAT = /(?<!\.)(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/iy;
const INTEGER = /(?:0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*)/iy;
const NAME = /[\p{XID_Start}_][\p{XID_Continue}]*/uy;
const STRING = /'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)"/sy;
const OPERATOR = /\*\*|\/\/|==|!=|>=|<=|[-+/*%~[\](){}=.:|,;<>]/y;
const VARIABLE_END = new RegExp(`-\\}\\}${SPACE_CLASS}*|\\}\\}`, 'uy');
const BLOCK_END = new RegExp(`\\+%\\}|-%\\}${SPACE_CLASS}*|%\\}`, 'uy');
const RAW_BEGIN = new RegExp(`\\{%([-+]?)${SPACE_CLASS}*raw${SPACE_CLASS}*(?:-%\\}${SPACE_CLASS}*|%\\})`, 'uy');
const RAW_END = new RegExp(`\\{%([-+]?)${SPACE_CLASS}*endraw${SPACE_CLASS}*(?:\\+%\\}|-%\\}${SPACE_CLASS}*|%\\})`, 'ug');
const TRAILING_SPACE = new RegExp(`${SPACE_CLASS}+$`, 'u');
const LEADING_SPACE = new RegExp(`^${SPACE_CLASS}*`, 'u');

const OPERATOR_TYPES: Record<string, string> = {
  '+': 'AdditiveBinaryOperator',
  '-': 'AdditiveBinaryOperator',
  '~': 'AdditiveBinaryOperator',
  '*': 'MultiplicativeBinaryOperator',
  '/': 'MultiplicativeBinaryOperator',
  '//': 'MultiplicativeBinaryOperator',
  '%': 'MultiplicativeBinaryOperator',
  '**': 'ExponentiationBinaryOperator',
  '==': 'ComparisonBinaryOperator',
  '!=': 'ComparisonBinaryOperator',
  '<': 'ComparisonBinaryOperator',
  '>': 'ComparisonBinaryOperator',
  '<=': 'ComparisonBinaryOperator',
  '>=': 'ComparisonBinaryOperator',
  '=': 'Equals',
  '(': 'OpenParen',
  ')': 'CloseParen',
  '[': 'OpenSquareBracket',
  ']': 'CloseSquareBracket',
  '{': 'OpenCurlyBracket',
  '}': 'CloseCurlyBracket',
  ',': 'Comma',
  '.': 'Dot',
  ':': 'Colon',
  '|': 'Pipe',
};
const CLOSING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

const syntax = (message: string) => new TemplateError(message);

/** Tokens of a template, as Jinja2 reads it with a default Environment. */
export function tokenize(source: string): Token[] {
  // Jinja2 reads \r\n and \r as \n, and drops one trailing newline (keep_trailing_newline=False).
  const lines = source.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const src = lines.join('\n');
  const tokens: Token[] = [];
  const withBlocks: { macro: string; args: string | undefined }[] = [];
  let withCount = 0;
  let pos = 0;
  const text = (value: string) => {
    if (value !== '') tokens.push({ type: 'Text', value });
  };
  while (pos < src.length) {
    const at = nextDelimiter(src, pos);
    if (at < 0) {
      text(src.slice(pos));
      break;
    }
    const kind = src[at + 1];
    const sign = src[at + 2] === '-' || src[at + 2] === '+' ? src[at + 2] : '';
    const before = src.slice(pos, at);
    if (kind === '%') {
      RAW_BEGIN.lastIndex = at;
      const raw = RAW_BEGIN.exec(src);
      if (raw) {
        text(raw[1] === '-' ? before.replace(TRAILING_SPACE, '') : before);
        RAW_END.lastIndex = RAW_BEGIN.lastIndex;
        const end = RAW_END.exec(src);
        if (!end) throw syntax('Missing end of raw directive');
        const content = src.slice(RAW_BEGIN.lastIndex, end.index);
        text(end[1] === '-' ? content.replace(TRAILING_SPACE, '') : content);
        pos = end.index + end[0].length;
        continue;
      }
    }
    text(sign === '-' ? before.replace(TRAILING_SPACE, '') : before);
    pos = at + 2 + sign.length;
    if (kind === '#') {
      const close = src.indexOf('#}', pos);
      if (close < 0) throw syntax('Missing end of comment tag');
      pos = close + 2;
      if (src[close - 1] === '-' && close - 1 >= at + 2) pos += LEADING_SPACE.exec(src.slice(pos))![0].length;
      continue;
    }
    const section = readSection(src, pos, kind === '{' ? VARIABLE_END : BLOCK_END);
    pos = section.end;
    const inner = notIn(rewriteTests(section.tokens));
    if (kind === '{') {
      tokens.push({ type: 'OpenExpression', value: '{{' }, ...rewriteTuples(tupleInParentheses(inner)), { type: 'CloseExpression', value: '}}' });
    } else {
      const tag = inner[0];
      if (tag?.type === 'Identifier' && (tag.value === 'break' || tag.value === 'continue')) {
        throw syntax(`Encountered unknown tag '${tag.value}' (Jinja2 has it only with the loopcontrols extension)`);
      }
      if (tag?.type === 'Identifier' && tag.value === 'with') {
        const block = { macro: `${WITH_PREFIX}${++withCount}`, args: undefined as string | undefined };
        withBlocks.push(block);
        tokens.push(...withStart(block, rewriteTuples(inner.slice(1))));
        continue;
      }
      if (tag?.type === 'Identifier' && tag.value === 'endwith' && inner.length === 1) {
        const block = withBlocks.pop();
        if (!block) throw syntax("Encountered unknown tag 'endwith'");
        const id = (value: string): Token => ({ type: 'Identifier', value });
        tokens.push({ type: 'OpenStatement', value: '{%' }, id('endmacro'), { type: 'CloseStatement', value: '%}' });
        const spread: Token[] = block.args ? [{ type: 'MultiplicativeBinaryOperator', value: '*' }, id(block.args)] : [];
        tokens.push({ type: 'OpenExpression', value: '{{' }, id(block.macro), { type: 'OpenParen', value: '(' }, ...spread, { type: 'CloseParen', value: ')' }, { type: 'CloseExpression', value: '}}' });
        continue;
      }
      tokens.push({ type: 'OpenStatement', value: '{%' }, ...rewriteTuples(inner), { type: 'CloseStatement', value: '%}' });
    }
  }
  return tokens;
}

function nextDelimiter(src: string, from: number): number {
  for (let i = src.indexOf('{', from); i >= 0; i = src.indexOf('{', i + 1)) {
    const next = src[i + 1];
    if (next === '{' || next === '%' || next === '#') return i;
  }
  return -1;
}

/** The tokens of one `{{ … }}` or `{% … %}` from just after its opening, and where it ends. */
function readSection(src: string, start: number, endRule: RegExp): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  const balance: string[] = [];
  let pos = start;
  const at = (rule: RegExp): RegExpExecArray | null => {
    rule.lastIndex = pos;
    return rule.exec(src);
  };
  for (;;) {
    if (pos >= src.length) throw syntax(`unexpected end of template, expected '${endRule === VARIABLE_END ? '}}' : '%}'}'`);
    let m: RegExpExecArray | null;
    if (balance.length === 0 && (m = at(endRule))) return { tokens, end: pos + m[0].length };
    if ((m = at(WHITESPACE))) {
      pos += m[0].length;
    } else if ((m = at(FLOAT))) {
      tokens.push({ type: 'NumericLiteral', value: floatText(m[0]) });
      pos += m[0].length;
    } else if ((m = at(INTEGER))) {
      const value = BigInt(m[0].replace(/_/g, ''));
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw syntax(`integer literal ${m[0]} is too large for this renderer`);
      tokens.push({ type: 'NumericLiteral', value: value.toString() });
      pos += m[0].length;
    } else if ((m = at(NAME))) {
      tokens.push({ type: 'Identifier', value: m[0], depth: balance.length });
      pos += m[0].length;
    } else if ((m = at(STRING))) {
      tokens.push({ type: 'StringLiteral', value: unescape(m[1] ?? m[2]) });
      pos += m[0].length;
    } else if ((m = at(OPERATOR))) {
      const op = m[0];
      if (op in CLOSING) balance.push(CLOSING[op]);
      else if (op === ')' || op === ']' || op === '}') {
        const expected = balance.pop();
        if (expected === undefined) throw syntax(`unexpected '${op}'`);
        if (expected !== op) throw syntax(`unexpected '${op}', expected '${expected}'`);
      }
      if (op === ';') throw syntax("unexpected ';'");
      tokens.push({ type: OPERATOR_TYPES[op], value: op, depth: balance.length - (op in CLOSING ? 1 : 0) });
      pos += op.length;
    } else {
      throw syntax(`unexpected char '${src[pos]}' at ${pos}`);
    }
  }
}

/** A float literal as the engine's parser reads one (it needs a '.' to make a float). */
function floatText(literal: string): string {
  const value = Number(literal.replace(/_/g, ''));
  if (!Number.isFinite(value)) return '1.0e999';
  const text = String(value);
  if (text.includes('.')) return text;
  return text.includes('e') ? text.replace('e', '.0e') : `${text}.0`;
}

/** Python's string literal escapes (Jinja2 decodes them with 'unicode-escape'); unknown ones keep their backslash. */
function unescape(body: string): string {
  // Jinja2 first writes non-ASCII characters as escapes (backslashreplace), so `\é` is `\\xe9`.
  const ascii = Array.from(body, (ch) => {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) return ch;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
  }).join('');
  let out = '';
  for (let i = 0; i < ascii.length; i++) {
    const ch = ascii[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = ascii[++i];
    const simple: Record<string, string> = { '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    if (next === undefined) throw syntax('\\ at end of string');
    if (next in simple) {
      out += simple[next];
    } else if (/[0-7]/.test(next)) {
      const digits = /^[0-7]{1,3}/.exec(ascii.slice(i))![0];
      out += String.fromCodePoint(parseInt(digits, 8));
      i += digits.length - 1;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const size = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = ascii.slice(i + 1, i + 1 + size);
      if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(hex)) throw syntax(`truncated \\${next}${'X'.repeat(size)} escape`);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw syntax('illegal Unicode character');
      out += code <= 0xffff ? String.fromCharCode(code) : String.fromCodePoint(code);
      i += size;
    } else if (next === 'N') {
      throw syntax('\\N{…} escapes (Unicode character names) are not supported');
    } else {
      out += `\\${next}`;
    }
  }
  return out;
}

/** The index just past a primary expression and its postfixes (`.a`, `[i]`, `(…)`) starting at `i`. */
function primaryEnd(tokens: Token[], i: number): number {
  const skipGroup = (k: number) => closeOf(tokens, k);
  let k = i;
  const first = tokens[k].type;
  if (first === 'OpenParen' || first === 'OpenSquareBracket' || first === 'OpenCurlyBracket') k = skipGroup(k);
  else if (first === 'StringLiteral') while (tokens[k]?.type === 'StringLiteral') k++;
  else k++;
  for (;;) {
    const t = tokens[k]?.type;
    if (t === 'Dot') k += 2;
    else if (t === 'OpenSquareBracket' || t === 'OpenParen') k = skipGroup(k);
    else return Math.min(k, tokens.length);
  }
}

/** `not in` as one comparison token, keeping its depth (the parser would make a new token without it). */
function notIn(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const [t, next] = [tokens[i], tokens[i + 1]];
    if (t.type === 'Identifier' && t.value === 'not' && next?.type === 'Identifier' && next.value === 'in') {
      out.push({ type: 'ComparisonBinaryOperator', value: 'not in', depth: t.depth });
      i++;
    } else {
      out.push(t);
    }
  }
  return out;
}

const ARGUMENT_START = new Set(['Identifier', 'StringLiteral', 'NumericLiteral', 'OpenSquareBracket', 'OpenCurlyBracket']);

/** `x is [not] name [arg]` → `x | "is [not] name" [(arg)]` (see the module comment). */
function rewriteTests(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i];
    if (t.type !== 'Identifier' || t.value !== 'is' || i === 0) {
      out.push(t);
      i++;
      continue;
    }
    let j = i + 1;
    const negate = tokens[j]?.type === 'Identifier' && tokens[j].value === 'not';
    if (negate) j++;
    if (tokens[j]?.type !== 'Identifier') throw syntax("expected a test name after 'is'");
    let name = tokens[j++].value;
    while (tokens[j]?.type === 'Dot' && tokens[j + 1]?.type === 'Identifier') {
      name += `.${tokens[j + 1].value}`;
      j += 2;
    }
    out.push({ type: 'Pipe', value: '|' }, { type: 'Identifier', value: `${TEST_PREFIX}${negate ? 'not ' : ''}${name}` });
    const next = tokens[j];
    if (next?.type === 'OpenParen') {
      // `is divisibleby(3)`: call arguments, kept as they are.
      const groupEnd = closeOf(tokens, j);
      out.push(...rewriteTests(tokens.slice(j, groupEnd)));
      j = groupEnd;
    } else if (next && ARGUMENT_START.has(next.type) && !(next.type === 'Identifier' && ['else', 'or', 'and'].includes(next.value))) {
      if (next.type === 'Identifier' && next.value === 'is') throw syntax('You cannot chain multiple tests with is');
      const end = primaryEnd(tokens, j);
      out.push({ type: 'OpenParen', value: '(' }, ...rewriteTests(tokens.slice(j, end)), { type: 'CloseParen', value: ')' });
      j = end;
    }
    i = j;
  }
  return out;
}

/** The index just past the group that opens at `i`. */
function closeOf(tokens: Token[], i: number): number {
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j].type;
    if (t === 'OpenParen' || t === 'OpenSquareBracket' || t === 'OpenCurlyBracket') depth++;
    else if (t === 'CloseParen' || t === 'CloseSquareBracket' || t === 'CloseCurlyBracket') depth--;
    if (depth === 0) return j + 1;
  }
  return tokens.length;
}

/** `{{ a, b }}` prints a tuple in Jinja2; the engine's parser takes one only in parentheses. */
function tupleInParentheses(tokens: Token[]): Token[] {
  let depth = 0;
  for (const t of tokens) {
    if (t.type === 'OpenParen' || t.type === 'OpenSquareBracket' || t.type === 'OpenCurlyBracket') depth++;
    else if (t.type === 'CloseParen' || t.type === 'CloseSquareBracket' || t.type === 'CloseCurlyBracket') depth--;
    else if (t.type === 'Comma' && depth === 0) return [{ type: 'OpenParen', value: '(' }, ...tokens, { type: 'CloseParen', value: ')' }];
  }
  return tokens;
}

/** The tokens that open a `with` block (see the module comment): `name = value` pairs split at top-level commas. */
function withStart(block: { macro: string; args: string | undefined }, assignments: Token[]): Token[] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of assignments) {
    if (t.type === 'OpenParen' || t.type === 'OpenSquareBracket' || t.type === 'OpenCurlyBracket') depth++;
    else if (t.type === 'CloseParen' || t.type === 'CloseSquareBracket' || t.type === 'CloseCurlyBracket') depth--;
    if (t.type === 'Comma' && depth === 0) parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  const pairs = assignments.length === 0 ? [] : parts;
  const names: Token[] = [];
  const values: Token[] = [];
  for (const part of pairs) {
    if (part.length < 3 || part[0].type !== 'Identifier' || part[1].type !== 'Equals') throw syntax("expected 'name = value' in a with statement");
    if (names.length > 0) (names.push({ type: 'Comma', value: ',' }), values.push({ type: 'Comma', value: ',' }));
    names.push(part[0]);
    values.push(...part.slice(2));
  }
  const id = (value: string): Token => ({ type: 'Identifier', value });
  const open = { type: 'OpenStatement', value: '{%' };
  const close = { type: 'CloseStatement', value: '%}' };
  const out: Token[] = [];
  if (pairs.length > 0) {
    block.args = `${block.macro} values`;
    out.push(open, id('set'), id(block.args), { type: 'Equals', value: '=' }, id(TUPLE_CALL), { type: 'OpenParen', value: '(' }, ...values, { type: 'CloseParen', value: ')' }, close);
  }
  out.push(open, id('macro'), id(block.macro), { type: 'OpenParen', value: '(' }, ...names, { type: 'CloseParen', value: ')' }, close);
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);

/** `(x,)` → `TUPLE_CALL(x)`, `()` → `TUPLE_CALL()`, `(a, b,)` → `(a, b)`; call parentheses are left alone. */
function rewriteTuples(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type !== 'OpenParen') {
      out.push(t);
      continue;
    }
    const end = closeOf(tokens, i);
    const inner = rewriteTuples(tokens.slice(i + 1, end - 1));
    const close = tokens[end - 1] ?? { type: 'CloseParen', value: ')' };
    i = end - 1;
    const prev = out[out.length - 1];
    const isCall = prev !== undefined && (prev.type === 'CloseParen' || prev.type === 'CloseSquareBracket' || (prev.type === 'Identifier' && !KEYWORDS.has(prev.value)));
    if (!isCall) {
      let depth = 0;
      const commas: number[] = [];
      inner.forEach((token, k) => {
        if (token.type === 'OpenParen' || token.type === 'OpenSquareBracket' || token.type === 'OpenCurlyBracket') depth++;
        else if (token.type === 'CloseParen' || token.type === 'CloseSquareBracket' || token.type === 'CloseCurlyBracket') depth--;
        else if (token.type === 'Comma' && depth === 0) commas.push(k);
      });
      const trailing = commas.length > 0 && commas[commas.length - 1] === inner.length - 1;
      if (inner.length === 0 || (trailing && commas.length === 1)) {
        out.push({ type: 'Identifier', value: TUPLE_CALL }, t, ...inner.slice(0, trailing ? -1 : undefined), close);
        continue;
      }
      if (trailing) {
        out.push(t, ...inner.slice(0, -1), close);
        continue;
      }
    }
    out.push(t, ...inner, close);
  }
  return out;
}
