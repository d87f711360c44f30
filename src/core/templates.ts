/**
 * Jinja template scanning with exact positions (no rendering: see src/core/jinja.ts).
 *
 * `scanTemplate(text)` finds every `{{ … }}`, `{% … %}` and `{# … #}` span in a string,
 * tokenizes the expressions inside them, reports syntax errors at the exact offset, and
 * extracts the references an expression makes to the outside world: `keychain.x.y`,
 * `workload.x`, bare names `x`, `step.field`. Names bound inside the same string
 * (`{% for x in … %}`, `{% set x = … %}`, macro parameters) are not references.
 * All offsets are 0-based UTF-16 offsets into the scanned string; callers map them to
 * file positions.
 */

/** One `{{ … }}` (expression), `{% … %}` (statement) or `{# … #}` (comment) span. */
export interface TemplateSpan {
  kind: 'expression' | 'statement' | 'comment';
  /** Offset of the opening `{{` / `{%` / `{#`. */
  start: number;
  /** Offset just after the closing delimiter. */
  end: number;
  /** The text between the delimiters (whitespace-control `-`/`+` excluded). */
  innerStart: number;
  innerEnd: number;
}

/** One segment of a dotted reference: `keychain`, `amadeus_token`, `access_token`. */
export interface ReferenceSegment {
  name: string;
  start: number;
  end: number;
}

/**
 * A reference to a name the template does not define itself: the root name and the
 * attribute path after it (`a.b`, `a['b']` and `a["b"]` all give segment `b`; a
 * computed subscript `a[i]` ends the path). `start`/`end` cover the whole dotted path.
 */
export interface TemplateReference {
  root: string;
  path: ReferenceSegment[];
  start: number;
  end: number;
  /** The span (index into `spans`) the reference sits in. */
  span: number;
}

export interface TemplateSyntaxError {
  message: string;
  /** Offset where the problem is; `end` marks the problem's extent (at least one character). */
  start: number;
  end: number;
}

/** A string or number literal: its text (a string's between its quotes, escapes as written) and offsets. */
export interface TemplateLiteral {
  value: string;
  start: number;
  end: number;
}

/** A filter applied in an expression: `workload.db_password | default('demo')`. */
export interface FilterUse {
  name: string;
  /** Offsets of the filter's name. */
  start: number;
  end: number;
  /** What it filters when that is a plain dotted reference (`workload.db_password`), as written. */
  subject?: string;
  /** Its arguments in order: a literal, or undefined for any other expression. */
  args: (TemplateLiteral | undefined)[];
}

export interface TemplateScan {
  spans: TemplateSpan[];
  references: TemplateReference[];
  errors: TemplateSyntaxError[];
  /** Names the string binds itself (loop variables, `set` targets, macro names and parameters). */
  bound: Set<string>;
  /** Every filter applied (`| default('x')`, `| tojson`), with literal arguments. */
  filters: FilterUse[];
}

/** Whether a string contains any Jinja delimiter (a cheap test before scanning). */
export function hasTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%') || text.includes('{#');
}

type TokenKind = 'name' | 'string' | 'number' | 'op';
interface Token {
  kind: TokenKind;
  value: string;
  start: number;
  end: number;
}

/** Names Jinja's parser reads as operators or constants wherever they are. */
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'true', 'false', 'none', 'True', 'False', 'None']);
/**
 * In a statement, also the words of its syntax (`for … recursive`, `include … ignore missing
 * with context`, `import … as`, `from … import`); in an expression these are plain names
 * (`{{ context.workload.x }}`), as Jinja's lexer has no such keywords.
 */
const STATEMENT_KEYWORDS = new Set([...KEYWORDS, 'recursive', 'with', 'without', 'context', 'ignore', 'missing', 'import', 'as', 'from']);

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '~', '<', '>', '=', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}'];

/** Block tags that open a body, with the tags that may close it. */
const BLOCK_TAGS: Record<string, string> = {
  for: 'endfor', if: 'endif', macro: 'endmacro', call: 'endcall', filter: 'endfilter', block: 'endblock',
  with: 'endwith', autoescape: 'endautoescape', trans: 'endtrans',
};
const closerOf = (tag: string): string => (tag === 'set' ? 'endset' : BLOCK_TAGS[tag]);
const MIDDLE_TAGS: Record<string, string[]> = { elif: ['if'], else: ['if', 'for'], pluralize: ['trans'] };
const SIMPLE_TAGS = new Set(['set', 'include', 'import', 'from', 'extends', 'do', 'break', 'continue', 'raw', 'endraw']);

/**
 * Tokenizes an expression starting at `pos`, up to the closing delimiter `close` at bracket
 * depth 0 (Jinja balances brackets before it accepts a closing `}}`). Returns the tokens and
 * the offset of the closing delimiter (or -1 when the text ends first).
 */
function tokenize(text: string, pos: number, close: string, errors: TemplateSyntaxError[]): { tokens: Token[]; closeAt: number } {
  const tokens: Token[] = [];
  const stack: Token[] = [];
  let i = pos;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (stack.length === 0) {
      if (text.startsWith(close, i)) return { tokens, closeAt: i };
      if ((c === '-' || c === '+') && text.startsWith(close, i + 1)) return { tokens, closeAt: i + 1 };
      if (close === '}}' && c === '}') {
        errors.push({ message: "expected '}}' to close '{{', found a single '}'", start: i, end: i + 1 });
        return { tokens, closeAt: -1 };
      }
    } else if (text.startsWith(close, i) && stack[stack.length - 1].value !== '{') {
      // `{{ f(a }}`: the bracket, not the delimiter, is what is missing.
      const open = stack[stack.length - 1];
      errors.push({ message: `'${open.value}' is never closed`, start: open.start, end: open.end });
      return { tokens, closeAt: i };
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j])) j++;
      tokens.push({ kind: 'name', value: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[0-9_.eE]/.test(text[j])) {
        if (text[j] === '.' && !/[0-9]/.test(text[j + 1] ?? '')) break;
        j++;
      }
      tokens.push({ kind: 'number', value: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) {
        errors.push({ message: 'unterminated string literal', start: i, end: i + 1 });
        return { tokens, closeAt: -1 };
      }
      tokens.push({ kind: 'string', value: text.slice(i + 1, j), start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) {
      errors.push({ message: `unexpected character '${c}'`, start: i, end: i + 1 });
      i++;
      continue;
    }
    const token: Token = { kind: 'op', value: op, start: i, end: i + op.length };
    if (op in CLOSERS) stack.push(token);
    else if (op === ')' || op === ']' || op === '}') {
      const open = stack.pop();
      if (open === undefined) {
        errors.push({ message: `unexpected '${op}'`, start: i, end: i + 1 });
      } else if (CLOSERS[open.value] !== op) {
        errors.push({ message: `'${open.value}' closed by '${op}'`, start: i, end: i + 1 });
      }
    }
    tokens.push(token);
    i += op.length;
  }
  const open = stack.pop();
  if (open !== undefined) errors.push({ message: `'${open.value}' is never closed`, start: open.start, end: open.end });
  return { tokens, closeAt: -1 };
}

function isOperand(t: Token): boolean {
  return t.kind !== 'op' || t.value === ')' || t.value === ']' || t.value === '}';
}
/** Keywords that are values (or `not`), so they start an operand. */
const OPERAND_KEYWORDS = new Set(['true', 'false', 'none', 'True', 'False', 'None', 'not']);
const BINARY_OPERATORS = new Set(['**', '//', '==', '!=', '<=', '>=', '*', '/', '%', '~', '<', '>', '|', '.']);
/** Tokens that end an operand's place: an operator before one of these has nothing after it. */
const OPERAND_ENDS = new Set([')', ']', '}', ',', ':']);

function startsOperand(t: Token): boolean {
  return (t.kind !== 'op' || t.value === '(' || t.value === '[' || t.value === '{') && !(t.kind === 'name' && KEYWORDS.has(t.value) && !OPERAND_KEYWORDS.has(t.value));
}

/** Two operands side by side (`{{ a b }}`) or a dangling binary operator: Jinja's "expected token". */
function checkExpression(tokens: Token[], errors: TemplateSyntaxError[]): void {
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    const prev = tokens[k - 1];
    if (prev !== undefined && isOperand(prev) && startsOperand(t) && t.value !== '(' && t.value !== '[' && !(prev.kind === 'name' && KEYWORDS.has(prev.value))) {
      if (t.kind === 'name' && KEYWORDS.has(t.value)) continue;
      errors.push({ message: `expected an operator or the end of the expression before '${t.value}'`, start: t.start, end: t.end });
      return;
    }
    if (t.kind === 'op' && BINARY_OPERATORS.has(t.value)) {
      const next = tokens[k + 1];
      if (next === undefined || (next.kind === 'op' && OPERAND_ENDS.has(next.value))) {
        errors.push({ message: `'${t.value}' needs an operand after it`, start: t.start, end: t.end });
        return;
      }
      if (t.value === '.' && next.kind !== 'name' && next.kind !== 'number') {
        errors.push({ message: `expected an attribute name after '.'`, start: next.start, end: next.end });
        return;
      }
      if (t.value === '|' && next.kind !== 'name') {
        errors.push({ message: `expected a filter name after '|'`, start: next.start, end: next.end });
        return;
      }
      if (k === 0 && t.value !== '-' && t.value !== '+') {
        errors.push({ message: `'${t.value}' needs an operand before it`, start: t.start, end: t.end });
        return;
      }
    }
  }
}

/**
 * References in a token list: a name not after `.`, not a filter/test name (after `|`, `is`,
 * `is not`), not a keyword argument (`f(x=1)`), not a called function (`range(3)`), not bound.
 */
function collectReferences(tokens: Token[], span: number, bound: Set<string>, out: TemplateReference[], keywords: Set<string>): void {
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== 'name' || keywords.has(t.value)) continue;
    const prev = tokens[k - 1];
    if (prev !== undefined && prev.kind === 'op' && (prev.value === '.' || prev.value === '|')) continue;
    if (prev !== undefined && prev.kind === 'name' && prev.value === 'is') continue;
    if (prev !== undefined && prev.kind === 'name' && prev.value === 'not' && tokens[k - 2]?.value === 'is') continue;
    const next = tokens[k + 1];
    if (next !== undefined && next.kind === 'op' && next.value === '(') continue;
    if (next !== undefined && next.kind === 'op' && next.value === '=' && prev !== undefined && (prev.value === '(' || prev.value === ',')) continue;
    if (bound.has(t.value)) continue;
    const path: ReferenceSegment[] = [];
    let end = t.end;
    let j = k + 1;
    for (;;) {
      const a = tokens[j];
      const b = tokens[j + 1];
      if (a?.kind === 'op' && a.value === '.' && b !== undefined && (b.kind === 'name' || b.kind === 'number')) {
        path.push({ name: b.value, start: b.start, end: b.end });
        end = b.end;
        j += 2;
        continue;
      }
      if (a?.kind === 'op' && a.value === '[' && b?.kind === 'string' && tokens[j + 2]?.value === ']') {
        path.push({ name: b.value, start: b.start + 1, end: b.end - 1 });
        end = tokens[j + 2].end;
        j += 3;
        continue;
      }
      break;
    }
    // A method call on the path (`x.items()`, `x.get('k')`) is not an attribute.
    if (tokens[j]?.value === '(' && path.length > 0) {
      path.pop();
      end = path.length > 0 ? path[path.length - 1].end : t.end;
    }
    out.push({ root: t.value, path, start: t.start, end, span });
  }
}

/** The dotted reference that ends just before token `k` (exclusive), as written, or undefined. */
function subjectBefore(tokens: Token[], k: number, text: string): string | undefined {
  let j = k - 1;
  const end = tokens[j]?.end;
  for (;;) {
    const t = tokens[j];
    if (t === undefined) return undefined;
    if (t.kind === 'name') {
      const prev = tokens[j - 1];
      if (prev?.value === '.') {
        j -= 2;
        continue;
      }
      break;
    }
    // `x['k']`
    if (t.value === ']' && tokens[j - 1]?.kind === 'string' && tokens[j - 2]?.value === '[') {
      j -= 3;
      continue;
    }
    return undefined;
  }
  const first = tokens[j];
  if (KEYWORDS.has(first.value) || tokens[j - 1]?.value === '|' || end === undefined) return undefined;
  return text.slice(first.start, end);
}

/** Filters applied in a token list (`| name` and `| name(args)`), with their literal arguments. */
function collectFilters(tokens: Token[], text: string, out: FilterUse[]): void {
  for (let k = 0; k < tokens.length - 1; k++) {
    if (tokens[k].value !== '|' || tokens[k].kind !== 'op' || tokens[k + 1].kind !== 'name') continue;
    const name = tokens[k + 1];
    const use: FilterUse = { name: name.value, start: name.start, end: name.end, subject: subjectBefore(tokens, k, text), args: [] };
    if (tokens[k + 2]?.value === '(') {
      let depth = 0;
      let arg: Token[] = [];
      for (let j = k + 2; j < tokens.length; j++) {
        const t = tokens[j];
        if (t.value === '(' || t.value === '[' || t.value === '{') depth++;
        if (t.value === ')' || t.value === ']' || t.value === '}') depth--;
        if (depth === 0 || (depth === 1 && t.value === ',')) {
          if (arg.length > 0) use.args.push(arg.length === 1 && (arg[0].kind === 'string' || arg[0].kind === 'number') ? { value: arg[0].value, start: arg[0].start, end: arg[0].end } : undefined);
          arg = [];
          if (depth === 0) break;
          continue;
        }
        if (j > k + 2) arg.push(t);
      }
    }
    out.push(use);
  }
}

/** Names a statement binds: `for a, b in`, `set x =`, `macro m(p, q=1)`, `with x = …`. */
function statementBindings(tag: string, tokens: Token[]): { bound: string[]; exprFrom: number } {
  const bound: string[] = [];
  if (tag === 'for') {
    let k = 1;
    while (k < tokens.length && !(tokens[k].kind === 'name' && tokens[k].value === 'in')) {
      if (tokens[k].kind === 'name') bound.push(tokens[k].value);
      k++;
    }
    return { bound, exprFrom: k + 1 };
  }
  if (tag === 'set') {
    let k = 1;
    while (k < tokens.length && tokens[k].value !== '=') {
      if (tokens[k].kind === 'name') bound.push(tokens[k].value);
      k++;
    }
    return { bound, exprFrom: k + 1 };
  }
  if (tag === 'macro') {
    // `macro name(p, q=default)`: the name and the parameters (not the defaults' names).
    let depth = 0;
    for (let k = 1; k < tokens.length; k++) {
      const t = tokens[k];
      if (t.value === '(') depth++;
      else if (t.value === ')') depth--;
      else if (t.kind === 'name' && depth <= 1 && (k === 1 || tokens[k - 1].value === '(' || tokens[k - 1].value === ',')) bound.push(t.value);
    }
    return { bound, exprFrom: tokens.length };
  }
  if (tag === 'with') {
    for (let k = 1; k < tokens.length; k++) if (tokens[k].kind === 'name' && tokens[k + 1]?.value === '=') bound.push(tokens[k].value);
    return { bound, exprFrom: 1 };
  }
  if (tag === 'import' || tag === 'from') {
    for (let k = 1; k < tokens.length; k++) if (tokens[k].kind === 'name' && (tokens[k - 1]?.value === 'as' || tokens[k - 1]?.value === 'import' || tokens[k - 1]?.value === ',')) bound.push(tokens[k].value);
    return { bound, exprFrom: tokens.length };
  }
  return { bound, exprFrom: 1 };
}

/**
 * Scans one string for Jinja spans, references and syntax errors. Never throws; a string
 * with no delimiter gives an empty scan. Unknown block tags, unbalanced `{% if %}`/`{% endif %}`
 * and unclosed delimiters are errors positioned at the offending tag or delimiter.
 */
export function scanTemplate(text: string): TemplateScan {
  const scan: TemplateScan = { spans: [], references: [], errors: [], bound: new Set(), filters: [] };
  if (!hasTemplate(text)) return scan;
  const open: { tag: string; start: number; end: number }[] = [];
  const pending: { tokens: Token[]; span: number; keywords: Set<string> }[] = [];
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('{', i);
    if (at < 0 || at + 1 >= text.length) break;
    const second = text[at + 1];
    if (second !== '{' && second !== '%' && second !== '#') {
      i = at + 1;
      continue;
    }
    let innerStart = at + 2;
    if (text[innerStart] === '-' || text[innerStart] === '+') innerStart++;
    if (second === '#') {
      const close = text.indexOf('#}', innerStart);
      if (close < 0) {
        scan.errors.push({ message: "comment '{#' is never closed with '#}'", start: at, end: at + 2 });
        break;
      }
      const innerEnd = text[close - 1] === '-' ? close - 1 : close;
      scan.spans.push({ kind: 'comment', start: at, end: close + 2, innerStart, innerEnd });
      i = close + 2;
      continue;
    }
    const closeDelim = second === '{' ? '}}' : '%}';
    const before = scan.errors.length;
    const { tokens, closeAt } = tokenize(text, innerStart, closeDelim, scan.errors);
    if (closeAt < 0) {
      if (scan.errors.length === before) {
        scan.errors.push({ message: `'${text.slice(at, at + 2)}' is never closed with '${closeDelim}'`, start: at, end: at + 2 });
      }
      break;
    }
    const innerEnd = text[closeAt - 1] === '-' || text[closeAt - 1] === '+' ? closeAt - 1 : closeAt;
    const spanIndex = scan.spans.length;
    const kind = second === '{' ? 'expression' : 'statement';
    scan.spans.push({ kind, start: at, end: closeAt + 2, innerStart, innerEnd });
    i = closeAt + 2;
    if (scan.errors.length > before) continue;
    if (kind === 'expression') {
      if (tokens.length === 0) {
        scan.errors.push({ message: 'empty expression', start: at, end: closeAt + 2 });
        continue;
      }
      checkExpression(tokens, scan.errors);
      pending.push({ tokens, span: spanIndex, keywords: KEYWORDS });
      continue;
    }
    const head = tokens[0];
    if (head === undefined || head.kind !== 'name') {
      scan.errors.push({ message: 'expected a tag name after {%', start: at, end: closeAt + 2 });
      continue;
    }
    const tag = head.value;
    if (tag === 'raw') {
      const endRaw = /\{%-?\s*endraw\s*-?%\}/g;
      endRaw.lastIndex = i;
      const m = endRaw.exec(text);
      if (m === null) {
        scan.errors.push({ message: "'{% raw %}' is never closed with '{% endraw %}'", start: head.start, end: head.end });
        break;
      }
      i = m.index + m[0].length;
      continue;
    }
    if (tag in BLOCK_TAGS) {
      open.push({ tag, start: head.start, end: head.end });
    } else if (tag in MIDDLE_TAGS) {
      const top = open[open.length - 1];
      if (top === undefined || !MIDDLE_TAGS[tag].includes(top.tag)) {
        scan.errors.push({ message: `'${tag}' outside of ${MIDDLE_TAGS[tag].map((t) => `'{% ${t} %}'`).join(' or ')}`, start: head.start, end: head.end });
        continue;
      }
    } else if (tag.startsWith('end')) {
      const top = open[open.length - 1];
      if (top === undefined) {
        scan.errors.push({ message: `'${tag}' without a matching opening tag`, start: head.start, end: head.end });
        continue;
      }
      if (closerOf(top.tag) !== tag) {
        scan.errors.push({ message: `'${tag}' closes '{% ${top.tag} %}', expected '${closerOf(top.tag)}'`, start: head.start, end: head.end });
        continue;
      }
      open.pop();
      continue;
    } else if (!SIMPLE_TAGS.has(tag)) {
      scan.errors.push({ message: `unknown tag '${tag}'`, start: head.start, end: head.end });
      continue;
    }
    const { bound, exprFrom } = statementBindings(tag, tokens);
    for (const name of bound) scan.bound.add(name);
    // `{% set x %}…{% endset %}` is a block form of set.
    if (tag === 'set' && !tokens.some((t) => t.value === '=')) open.push({ tag: 'set', start: head.start, end: head.end });
    pending.push({ tokens: tokens.slice(exprFrom), span: spanIndex, keywords: STATEMENT_KEYWORDS });
  }
  if (scan.errors.length === 0) {
    for (const block of open) {
      if (block.tag === 'set') continue;
      scan.errors.push({ message: `'{% ${block.tag} %}' is never closed with '{% ${BLOCK_TAGS[block.tag]} %}'`, start: block.start, end: block.end });
    }
  }
  // `loop` exists inside a for body; names bound anywhere in the string count as bound.
  if (/\{%[-+]?\s*for\b/.test(text)) scan.bound.add('loop');
  for (const p of pending) {
    collectReferences(p.tokens, p.span, scan.bound, scan.references, p.keywords);
    if (p.tokens.some((t) => t.value === '|')) collectFilters(p.tokens, text, scan.filters);
  }
  return scan;
}

/** References only, for callers that do not care about spans or errors. */
export function templateReferences(text: string): TemplateReference[] {
  return scanTemplate(text).references;
}
