/**
 * Jinja template scanning with exact positions (no rendering: see src/core/jinja.ts).
 *
 * `scanTemplate(text)` finds every `{{ … }}`, `{% … %}` and `{# … #}` span in a string and
 * parses it with Jinja2's grammar (a port of jinja2/parser.py's expression and statement
 * rules): it reports syntax errors at the exact offset and extracts the references a template
 * makes to its context (`keychain.x.y`, `workload['x']`, bare `x`, `step.field`), with
 * Jinja2's scoping: a `{% for %}` target and `loop` exist inside its body, a `{% set %}` from
 * that point on in its block, macro and call parameters inside theirs. A called name
 * (`range(3)`) and a method call (`x.items()`) are not attributes read. It agrees with Jinja2
 * itself on the corpus and on generated templates (test/lint/templates-differential.test.ts).
 * All offsets are 0-based UTF-16 offsets into the scanned string; callers map them to file
 * positions.
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

/** Whether a string contains any Jinja delimiter (a cheap test before scanning): one pass over the `{`s, not one search per delimiter. */
export function hasTemplate(text: string): boolean {
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (next === 123 /* { */ || next === 37 /* % */ || next === 35 /* # */) return true;
  }
  return false;
}

type TokenKind = 'name' | 'string' | 'number' | 'op';
interface Token {
  kind: TokenKind;
  value: string;
  start: number;
  end: number;
}

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const NUMBER = /\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?(?:[eE][+-]?\d+(?:_\d+)*)?/y;
const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '~', '<', '>', '=', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}'];

/** Block tags that open a body, with the tags that may close it. */
const BLOCK_TAGS: Record<string, string> = {
  for: 'endfor', if: 'endif', macro: 'endmacro', call: 'endcall', filter: 'endfilter', block: 'endblock',
  with: 'endwith', autoescape: 'endautoescape', trans: 'endtrans',
};
const closerOf = (tag: string): string => (tag === 'set' ? 'endset' : BLOCK_TAGS[tag]);
const MIDDLE_TAGS: Record<string, string[]> = { elif: ['if'], else: ['if', 'for'], pluralize: ['trans'] };
/** Tags without a body (jinja2's statements, and the do/loop-control extensions). */
const SIMPLE_TAGS = new Set(['set', 'include', 'import', 'from', 'extends', 'print', 'do', 'break', 'continue']);

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
    if (c >= '0' && c <= '9') {
      // jinja2's lexer: digits (with _ between), a fraction, an exponent only when digits follow (`1else` is 1 else).
      NUMBER.lastIndex = i;
      const j = i + (NUMBER.exec(text)?.[0].length ?? 1);
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

/** A syntax error at a token (or at the end of the tag when `token` is undefined). */
class ParseError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

/** What parsing an expression gives: its extent, and what it is when it is that simple. */
interface Expr {
  start: number;
  end: number;
  /** The expression is this reference, a plain dotted chain (`a.b['c']`). */
  ref?: TemplateReference;
  /** The expression is this string or number literal. */
  literal?: TemplateLiteral;
  /** It is a string constant (adjacent strings concatenated, parentheses around it allowed): its value. */
  text?: string;
  /** A name (possibly bound), for assignment targets. */
  name?: string;
  /** The parser's node kind where Jinja2 cares (assignment targets, `call` blocks). */
  node?: 'name' | 'tuple' | 'call' | 'nsref' | 'other';
  /** Names of a tuple target. */
  names?: string[];
}

const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);
const OR = new Set(['or']);
const AND = new Set(['and']);
const ADD = new Set(['+', '-']);
const TILDE = new Set(['~']);
const MUL = new Set(['*', '/', '//', '%']);
const POW = new Set(['**']);
const CONSTANTS = new Set(['true', 'false', 'True', 'False', 'none', 'None']);

/** One scope: the names bound in it so far, and, for a frame, its id. */
interface Scope {
  names: Set<string>;
  /** A frame (a for, macro, call, with or filter body, a block set): its id; a branch of an if has none. */
  frame?: number;
}

/**
 * The names a template binds, as Jinja2 scopes them. Within a frame, a name is bound from its
 * `{% set %}` on (and within an `{% if %}` branch, only in that branch). A frame nested in
 * another (a loop body, a macro) sees every name the outer frames store directly, even below
 * it: Jinja2 resolves those to the outer frame's variable, not to the context. So a scan runs
 * twice on a template with statements: once to learn what each frame stores (`hoisted`), once
 * to read. A `{% block %}` sees only its own names.
 */
class Scopes {
  private stack: Scope[] = [{ names: new Set(), frame: 0 }];
  private saved: Scope[][] = [];
  private frames = 0;
  /** Frame id → the names it stores directly (learnt on the first pass, read on the second). */
  readonly stored = new Map<number, Set<string>>();
  constructor(
    private readonly all: Set<string>,
    private readonly hoisted?: ReadonlyMap<number, ReadonlySet<string>>,
  ) {}
  has(name: string): boolean {
    let innermostFrame = true;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const scope = this.stack[i];
      if (scope.names.has(name)) return true;
      if (scope.frame !== undefined) {
        if (!innermostFrame && this.hoisted?.get(scope.frame)?.has(name)) return true;
        innermostFrame = false;
      }
    }
    return false;
  }
  bind(name: string): void {
    const top = this.stack[this.stack.length - 1];
    top.names.add(name);
    this.all.add(name);
    if (top.frame !== undefined) {
      let stored = this.stored.get(top.frame);
      if (!stored) this.stored.set(top.frame, (stored = new Set()));
      stored.add(name);
    }
  }
  /** A new frame (`frame`) or an if branch, with these names bound in it. */
  push(names: Iterable<string> = [], frame = true): void {
    this.stack.push({ names: new Set(), frame: frame ? ++this.frames : undefined });
    for (const n of names) this.bind(n);
  }
  /** Closes the innermost scope; returns the names bound in it. */
  pop(): Set<string> | undefined {
    return this.stack.length > 1 ? this.stack.pop()?.names : undefined;
  }
  get depth(): number {
    return this.stack.length;
  }
  /** Back to `depth` scopes (a tag that failed to parse opens none). */
  truncate(depth: number): void {
    this.stack.length = Math.max(1, Math.min(depth, this.stack.length));
  }
  /** A block sees none of the template's own names (its body renders apart). */
  isolate(): void {
    this.saved.push(this.stack);
    this.stack = [{ names: new Set(), frame: ++this.frames }];
  }
  restore(): void {
    const s = this.saved.pop();
    if (s) this.stack = s;
  }
}

/** A recursive-descent parser over one tag's tokens: jinja2/parser.py's rules, recording references and filters. */
class Parser {
  private pos = 0;
  constructor(
    /** The whole template (for the text of a filter's subject). */
    private readonly source: string,
    private readonly tokens: Token[],
    /** Where the tag's closing delimiter is (errors at the end point there). */
    private readonly endAt: number,
    private readonly span: number,
    private readonly scopes: Scopes,
    private readonly refs: TemplateReference[],
    private readonly filters: FilterUse[],
  ) {}

  get current(): Token | undefined {
    return this.tokens[this.pos];
  }
  look(n = 1): Token | undefined {
    return this.tokens[this.pos + n];
  }
  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }
  next(): Token {
    const t = this.tokens[this.pos++];
    if (t === undefined) throw this.fail('unexpected end of the tag');
    return t;
  }
  /** The current token is this operator or name. */
  test(value: string, kind?: TokenKind): boolean {
    const t = this.current;
    return t !== undefined && t.value === value && (kind === undefined ? t.kind === 'op' || t.kind === 'name' : t.kind === kind);
  }
  skipIf(value: string, kind?: TokenKind): boolean {
    if (!this.test(value, kind)) return false;
    this.pos++;
    return true;
  }
  expect(value: string, what = `'${value}'`): Token {
    if (this.test(value)) return this.next();
    throw this.failAt(this.current, `expected ${what}`);
  }
  expectName(what = 'a name'): Token {
    const t = this.current;
    if (t?.kind !== 'name') throw this.failAt(t, `expected ${what}`);
    return this.next();
  }
  fail(message: string): ParseError {
    return this.failAt(this.current, message);
  }
  failAt(t: Token | undefined, message: string): ParseError {
    if (t === undefined) {
      const last = this.tokens[this.tokens.length - 1];
      return last ? new ParseError(`${message} after '${last.value}'`, last.start, last.end) : new ParseError(message, this.endAt, this.endAt + 2);
    }
    return new ParseError(`${message}, found '${t.kind === 'string' ? 'a string' : t.value}'`, t.start, t.end);
  }
  /** Nothing may follow: the tag ends here. */
  end(): void {
    const t = this.current;
    if (t !== undefined) throw new ParseError(`expected an operator or the end of the expression before '${t.kind === 'string' ? 'a string' : t.value}'`, t.start, t.end);
  }

  /** jinja2 parse_tuple: one expression, or several separated by commas. */
  tuple(options: { condexpr?: boolean; simplified?: boolean; parens?: boolean } = {}): Expr {
    const start = this.current?.start ?? this.endAt;
    const items: Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (items.length > 0) this.expect(',');
      if (this.isTupleEnd()) break;
      items.push(options.simplified ? this.primary() : this.expression(options.condexpr ?? true));
      if (this.test(',', 'op')) isTuple = true;
      else break;
    }
    if (!isTuple) {
      if (items.length > 0) return items[0];
      if (!options.parens) throw this.fail('expected an expression');
    }
    const names = items.every((i) => i.node === 'name') ? items.map((i) => i.name as string) : undefined;
    return { start, end: items.at(-1)?.end ?? start, node: 'tuple', names };
  }
  /**
   * The end of the tag, or a `)`. jinja2's parser also passes end names (`in`, `recursive`) that
   * its token test never matches (test_any gets them as one tuple), so names never end a tuple
   * there: `{% for x in recursive %}` reads `recursive`. The same here.
   */
  isTupleEnd(): boolean {
    const t = this.current;
    return t === undefined || (t.kind === 'op' && t.value === ')');
  }

  expression(condexpr = true): Expr {
    return condexpr ? this.condexpr() : this.or();
  }
  condexpr(): Expr {
    let e = this.or();
    while (this.skipIf('if', 'name')) {
      this.or();
      let end: Expr | undefined;
      if (this.skipIf('else', 'name')) end = this.condexpr();
      e = { start: e.start, end: end?.end ?? this.previousEnd(), node: 'other' };
    }
    return e;
  }
  private previousEnd(): number {
    return this.tokens[this.pos - 1]?.end ?? this.endAt;
  }
  /** The operator of the current token when it is one of the given level's (names: `or`, `and`; symbols). */
  private operator(names: boolean, ops: ReadonlySet<string>): boolean {
    const t = this.tokens[this.pos];
    return t !== undefined && (names ? t.kind === 'name' : t.kind === 'op') && ops.has(t.value);
  }
  or(): Expr {
    let e = this.and();
    while (this.operator(true, OR)) {
      this.pos++;
      e = { start: e.start, end: this.and().end, node: 'other' };
    }
    return e;
  }
  and(): Expr {
    let e = this.not();
    while (this.operator(true, AND)) {
      this.pos++;
      e = { start: e.start, end: this.not().end, node: 'other' };
    }
    return e;
  }
  not(): Expr {
    if (this.test('not', 'name')) {
      const t = this.next();
      const e = this.not();
      return { start: t.start, end: e.end, node: 'other' };
    }
    return this.compare();
  }
  compare(): Expr {
    let e = this.math1();
    for (;;) {
      const t = this.current;
      if (t?.kind === 'op' && COMPARE.has(t.value)) this.pos++;
      else if (this.test('in', 'name')) this.pos++;
      else if (this.test('not', 'name') && this.look()?.kind === 'name' && this.look()?.value === 'in') this.pos += 2;
      else break;
      const right = this.math1();
      e = { start: e.start, end: right.end, node: 'other' };
    }
    return e;
  }
  math1(): Expr {
    let e = this.concat();
    while (this.operator(false, ADD)) {
      this.pos++;
      e = { start: e.start, end: this.concat().end, node: 'other' };
    }
    return e;
  }
  concat(): Expr {
    let e = this.math2();
    while (this.operator(false, TILDE)) {
      this.pos++;
      e = { start: e.start, end: this.math2().end, node: 'other' };
    }
    return e;
  }
  math2(): Expr {
    let e = this.pow();
    while (this.operator(false, MUL)) {
      this.pos++;
      e = { start: e.start, end: this.pow().end, node: 'other' };
    }
    return e;
  }
  pow(): Expr {
    let e = this.unary();
    while (this.operator(false, POW)) {
      this.pos++;
      e = { start: e.start, end: this.unary().end, node: 'other' };
    }
    return e;
  }
  unary(withFilter = true): Expr {
    const t = this.current;
    let e: Expr;
    if (t?.kind === 'op' && (t.value === '-' || t.value === '+')) {
      this.pos++;
      const inner = this.unary(false);
      e = { start: t.start, end: inner.end, node: 'other' };
    } else e = this.primary();
    e = this.postfix(e);
    if (withFilter) e = this.filterExpr(e);
    return e;
  }
  primary(): Expr {
    const t = this.current;
    if (t === undefined) throw this.fail('expected an expression');
    if (t.kind === 'name') {
      this.pos++;
      if (CONSTANTS.has(t.value)) return { start: t.start, end: t.end, node: 'other' };
      const e: Expr = { start: t.start, end: t.end, node: 'name', name: t.value };
      if (!this.scopes.has(t.value)) {
        e.ref = { root: t.value, path: [], start: t.start, end: t.end, span: this.span };
        this.refs.push(e.ref);
      }
      return e;
    }
    if (t.kind === 'string') {
      this.pos++;
      let end = t.end;
      let value = t.value;
      while (this.current?.kind === 'string') {
        value += this.current.value;
        end = this.next().end;
      }
      return { start: t.start, end, literal: end === t.end ? { value, start: t.start, end } : undefined, text: value, node: 'other' };
    }
    if (t.kind === 'number') {
      this.pos++;
      return { start: t.start, end: t.end, literal: { value: t.value, start: t.start, end: t.end }, node: 'other' };
    }
    if (t.value === '(') {
      this.pos++;
      const e = this.tuple({ parens: true });
      const close = this.expect(')');
      return { start: t.start, end: close.end, node: e.node === 'tuple' ? 'tuple' : 'other', names: e.names, text: e.node === 'tuple' ? undefined : e.text };
    }
    if (t.value === '[') return this.list();
    if (t.value === '{') return this.dict();
    throw this.failAt(t, 'expected an expression');
  }
  list(): Expr {
    const open = this.next();
    let first = true;
    while (!this.test(']', 'op')) {
      if (!first) this.expect(',');
      first = false;
      if (this.test(']', 'op')) break;
      this.expression();
    }
    return { start: open.start, end: this.expect(']').end, node: 'other' };
  }
  dict(): Expr {
    const open = this.next();
    let first = true;
    while (!this.test('}', 'op')) {
      if (!first) this.expect(',');
      first = false;
      if (this.test('}', 'op')) break;
      this.expression();
      this.expect(':');
      this.expression();
    }
    return { start: open.start, end: this.expect('}').end, node: 'other' };
  }
  /** Attribute, subscript and call suffixes; a plain chain extends its reference's path. */
  postfix(e: Expr): Expr {
    let chain = e.ref;
    for (;;) {
      const t = this.current;
      if (t?.kind !== 'op') break;
      if (t.value === '.') {
        this.pos++;
        const attr = this.current;
        if (attr?.kind === 'name') {
          this.pos++;
          if (chain) {
            chain.path.push({ name: attr.value, start: attr.start, end: attr.end });
            chain.end = attr.end;
          }
          e = { start: e.start, end: attr.end, ref: chain, node: 'other' };
        } else if (attr?.kind === 'number' && /^\d+$/.test(attr.value)) {
          this.pos++;
          chain = undefined;
          e = { start: e.start, end: attr.end, node: 'other' };
        } else if (attr === undefined) throw new ParseError("'.' needs an attribute name after it", t.start, t.end);
        else throw this.failAt(attr, "expected an attribute name after '.'");
      } else if (t.value === '[') {
        this.pos++;
        const key = this.current;
        if (chain && key?.kind === 'string' && this.look()?.kind === 'op' && this.look()?.value === ']') {
          this.pos += 2;
          chain.path.push({ name: key.value, start: key.start + 1, end: key.end - 1 });
          chain.end = key.end + 1;
          e = { start: e.start, end: key.end + 1, ref: chain, node: 'other' };
          continue;
        }
        const items: (Expr | undefined)[] = [];
        while (!this.test(']', 'op')) {
          if (items.length > 0) this.expect(',');
          items.push(this.subscribed());
        }
        const close = this.expect(']');
        // `a[('k')]`, `a['k' 'l']`: a string constant all the same.
        const only = items.length === 1 ? items[0] : undefined;
        if (chain && only?.text !== undefined) {
          chain.path.push({ name: only.text, start: only.start, end: only.end });
          chain.end = close.end;
          e = { start: e.start, end: close.end, ref: chain, node: 'other' };
          continue;
        }
        chain = undefined;
        e = { start: e.start, end: close.end, node: 'other' };
      } else if (t.value === '(') {
        // A called name is not read; a method call (`x.items()`) does not read the attribute.
        if (chain) {
          if (chain.path.length === 0) this.refs.splice(this.refs.lastIndexOf(chain), 1);
          else {
            chain.path.pop();
            chain.end = chain.path.at(-1)?.end ?? chain.start + chain.root.length;
          }
        }
        chain = undefined;
        const end = this.callArgs();
        e = { start: e.start, end, node: 'call' };
      } else break;
    }
    if (e.ref && e.ref !== chain) e = { ...e, ref: undefined };
    return e;
  }
  /** One subscript: an expression (returned), or a slice (undefined). */
  subscribed(): Expr | undefined {
    if (this.test(':', 'op')) this.pos++;
    else {
      const e = this.expression();
      if (!this.skipIf(':', 'op')) return e;
    }
    if (!this.test(':', 'op') && !this.test(']', 'op') && !this.test(',', 'op')) this.expression();
    if (this.skipIf(':', 'op') && !this.test(']', 'op') && !this.test(',', 'op')) this.expression();
    return undefined;
  }
  /** `( args )`; returns the end offset. */
  callArgs(): number {
    this.expect('(');
    let requireComma = false;
    let keywords = false;
    let dynArgs = false;
    let dynKwargs = false;
    while (!this.test(')', 'op')) {
      if (requireComma) {
        this.expect(',');
        if (this.test(')', 'op')) break;
      }
      const t = this.current;
      if (t?.kind === 'op' && t.value === '*') {
        if (dynArgs || dynKwargs) throw this.failAt(t, 'invalid syntax for function call expression');
        this.pos++;
        dynArgs = true;
        this.expression();
      } else if (t?.kind === 'op' && t.value === '**') {
        if (dynKwargs) throw this.failAt(t, 'invalid syntax for function call expression');
        this.pos++;
        dynKwargs = true;
        this.expression();
      } else if (t?.kind === 'name' && this.look()?.kind === 'op' && this.look()?.value === '=') {
        if (dynKwargs) throw this.failAt(t, 'invalid syntax for function call expression');
        this.pos += 2;
        keywords = true;
        this.expression();
      } else {
        if (dynArgs || dynKwargs || keywords) throw this.failAt(t, 'invalid syntax for function call expression (a positional argument after a keyword)');
        this.expression();
      }
      requireComma = true;
    }
    return this.expect(')').end;
  }
  filterExpr(e: Expr): Expr {
    for (;;) {
      const t = this.current;
      if (t?.kind === 'op' && t.value === '|') e = this.filter(e);
      else if (t?.kind === 'name' && t.value === 'is') e = this.testExpr(e);
      else if (t?.kind === 'op' && t.value === '(') e = { start: e.start, end: this.callArgs(), node: 'call' };
      else break;
    }
    return e;
  }
  /** `| name(args)`, repeated; `inline` starts at the name (a `{% filter %}` block). */
  filter(e: Expr | undefined, inline = false): Expr {
    let result = e ?? { start: this.current?.start ?? this.endAt, end: this.current?.start ?? this.endAt, node: 'other' };
    while (inline || this.test('|', 'op')) {
      if (!inline) {
        const bar = this.next();
        if (this.current?.kind !== 'name') throw this.current === undefined ? new ParseError("'|' needs a filter name after it", bar.start, bar.end) : this.failAt(this.current, "expected a filter name after '|'");
      }
      inline = false;
      const name = this.expectName('a filter name');
      let full = name.value;
      while (this.skipIf('.', 'op')) full += `.${this.expectName('a filter name').value}`;
      const use: FilterUse = { name: full, start: name.start, end: name.end, subject: result.ref && e ? this.text(result.ref) : undefined, args: [] };
      let end = this.previousEnd();
      if (this.test('(', 'op')) {
        const before = this.pos;
        end = this.callArgs();
        use.args = this.literalArgs(before);
      }
      this.filters.push(use);
      result = { start: result.start, end, node: 'other' };
    }
    return result;
  }
  /** The literal arguments of the call that starts at token `from` (`(`): each a literal or undefined. */
  private literalArgs(from: number): (TemplateLiteral | undefined)[] {
    const args: (TemplateLiteral | undefined)[] = [];
    let depth = 0;
    let arg: Token[] = [];
    for (let j = from; j < this.pos; j++) {
      const t = this.tokens[j];
      const opens = t.kind === 'op' && (t.value === '(' || t.value === '[' || t.value === '{');
      const closes = t.kind === 'op' && (t.value === ')' || t.value === ']' || t.value === '}');
      if (opens) depth++;
      if (closes) depth--;
      if (depth === 0 || (depth === 1 && t.kind === 'op' && t.value === ',')) {
        if (arg.length > 0) args.push(arg.length === 1 && (arg[0].kind === 'string' || arg[0].kind === 'number') ? { value: arg[0].value, start: arg[0].start, end: arg[0].end } : undefined);
        arg = [];
        continue;
      }
      if (j > from) arg.push(t);
    }
    return args;
  }
  /** The source text of a reference chain. */
  private text(ref: TemplateReference): string {
    return this.source.slice(ref.start, ref.end);
  }
  testExpr(e: Expr): Expr {
    this.next();
    this.skipIf('not', 'name');
    const name = this.expectName('a test name');
    let end = name.end;
    while (this.skipIf('.', 'op')) end = this.expectName('a test name').end;
    const t = this.current;
    if (t?.kind === 'op' && t.value === '(') end = this.callArgs();
    else if (t !== undefined && (t.kind === 'string' || t.kind === 'number' || (t.kind === 'op' && (t.value === '(' || t.value === '[' || t.value === '{')) || (t.kind === 'name' && t.value !== 'else' && t.value !== 'or' && t.value !== 'and'))) {
      if (t.kind === 'name' && t.value === 'is') throw this.failAt(t, 'tests cannot be chained with is');
      end = this.postfix(this.primary()).end;
    }
    return { start: e.start, end, node: 'other' };
  }

  /** jinja2 parse_assign_target: a name, a tuple of names, or (`set`) a namespace attribute. */
  assignTarget(options: { nameOnly?: boolean; namespace?: boolean } = {}): { names: string[] } {
    if (options.namespace && this.current?.kind === 'name' && this.look()?.kind === 'op' && this.look()?.value === '.') {
      this.pos++;
      this.pos++;
      this.expectName();
      return { names: [] };
    }
    if (options.nameOnly) return { names: [this.expectName().value] };
    const refsBefore = this.refs.length;
    const target = this.tuple({ simplified: true });
    // A target is stored, not read.
    this.refs.length = refsBefore;
    if (target.node === 'name') return { names: [target.name as string] };
    if (target.node === 'tuple' && target.names) return { names: target.names };
    throw new ParseError(`cannot assign to this expression`, target.start, Math.max(target.end, target.start + 1));
  }
  /** `(a, b=default)`: the parameter names (defaults are read where the block is). */
  signature(): string[] {
    const names: string[] = [];
    let defaults = false;
    this.expect('(');
    while (!this.test(')', 'op')) {
      if (names.length > 0) this.expect(',');
      const name = this.expectName('a parameter name');
      if (this.skipIf('=', 'op')) {
        defaults = true;
        this.expression();
      } else if (defaults) throw this.failAt(name, 'a parameter without a default follows one with a default');
      names.push(name.value);
    }
    this.expect(')');
    return names;
  }
  /** `with context` / `without context` at the end of include, import, from. */
  importContext(): void {
    if ((this.test('with', 'name') || this.test('without', 'name')) && this.look()?.kind === 'name' && this.look()?.value === 'context') this.pos += 2;
  }
}

/** An open block tag, with how it scopes names. */
interface OpenBlock {
  tag: string;
  start: number;
  end: number;
  /** Pop a scope when the body ends (and at each elif/else). */
  scoped: boolean;
  /** A `{% block %}`: restore the outer names when it ends. */
  isolated?: boolean;
  /** An if: its elif/else branches are scopes of the same frame. */
  branches?: boolean;
  /** An if: the names each branch ended so far binds, and whether one was the else. */
  bound?: Set<string>[];
  hasElse?: boolean;
}

/**
 * Parses one statement's tokens (after the tag name) and applies its scoping. Returns the open
 * block to push for a tag with a body.
 */
function statement(p: Parser, tag: string, head: Token, scopes: Scopes): OpenBlock | undefined {
  const open = (scoped: boolean, isolated = false, branches = false): OpenBlock => ({ tag, start: head.start, end: head.end, scoped, isolated, branches });
  switch (tag) {
    case 'for': {
      const { names } = p.assignTarget();
      p.expect('in', "'in'");
      p.tuple({ condexpr: false });
      scopes.push([...names, 'loop']);
      if (p.skipIf('if', 'name')) p.expression();
      p.skipIf('recursive', 'name');
      p.end();
      return open(true);
    }
    case 'if':
      p.tuple({ condexpr: false });
      p.end();
      scopes.push([], false);
      return open(true, false, true);
    case 'set': {
      const { names } = p.assignTarget({ namespace: true });
      if (p.skipIf('=', 'op')) {
        p.tuple();
        p.end();
        for (const n of names) scopes.bind(n);
        return undefined;
      }
      if (p.test('|', 'op')) p.filter(undefined);
      p.end();
      // Jinja2 stores a block set's name before its body.
      for (const n of names) scopes.bind(n);
      scopes.push();
      return open(true);
    }
    case 'with': {
      const names: string[] = [];
      while (!p.atEnd()) {
        if (names.length > 0) p.expect(',');
        names.push(...p.assignTarget().names);
        p.expect('=', "'='");
        p.expression();
      }
      scopes.push(names);
      return open(true);
    }
    case 'macro': {
      const name = p.expectName('the macro name').value;
      scopes.bind(name);
      const params = p.signature();
      p.end();
      scopes.push([...params, 'varargs', 'kwargs', 'caller']);
      return open(true);
    }
    case 'call': {
      const params = p.test('(', 'op') ? p.signature() : [];
      const call = p.expression();
      if (call.node !== 'call') throw new ParseError('expected a call (`{% call macro(…) %}`)', call.start, Math.max(call.end, call.start + 1));
      p.end();
      scopes.push([...params, 'caller']);
      return open(true);
    }
    case 'filter':
      p.filter(undefined, true);
      p.end();
      scopes.push();
      return open(true);
    case 'block':
      p.expectName('the block name');
      p.skipIf('scoped', 'name');
      p.skipIf('required', 'name');
      p.end();
      scopes.isolate();
      return open(false, true);
    case 'autoescape':
      p.expression();
      p.end();
      scopes.push();
      return open(true);
    case 'trans':
      // i18n: `{% trans name=expr, … %}` or `{% trans count %}`; its body is checked as text.
      while (!p.atEnd()) p.next();
      return open(false);
    case 'extends':
    case 'print':
      if (tag === 'print') {
        let first = true;
        while (!p.atEnd()) {
          if (!first) p.expect(',');
          first = false;
          p.expression();
        }
      } else p.expression();
      p.end();
      return undefined;
    case 'include':
      p.expression();
      if (p.test('ignore', 'name') && p.look()?.value === 'missing') p.next(), p.next();
      p.importContext();
      p.end();
      return undefined;
    case 'import': {
      p.expression();
      p.expect('as', "'as'");
      scopes.bind(p.expectName().value);
      p.importContext();
      p.end();
      return undefined;
    }
    case 'from': {
      p.expression();
      p.expect('import', "'import'");
      let first = true;
      for (;;) {
        if (!first) p.expect(',');
        first = false;
        if ((p.test('with', 'name') || p.test('without', 'name')) && p.look()?.value === 'context') {
          p.importContext();
          break;
        }
        let name = p.expectName().value;
        if (p.skipIf('as', 'name')) name = p.expectName().value;
        scopes.bind(name);
        p.importContext();
        if (p.atEnd() || !p.test(',', 'op')) break;
      }
      p.end();
      return undefined;
    }
    case 'do':
      p.tuple();
      p.end();
      return undefined;
    default:
      // break, continue
      p.end();
      return undefined;
  }
}

/**
 * A span that is only `name(.attr | ['key'])*`: its reference recorded (unless the name is bound
 * or a constant) and true; false for anything else, which the parser reads.
 */
function simpleChain(tokens: Token[], span: number, scopes: Scopes, refs: TemplateReference[]): boolean {
  const root = tokens[0];
  // `not` starts an operation, not a name.
  if (root.kind !== 'name' || root.value === 'not') return false;
  let k = 1;
  while (k < tokens.length) {
    const t = tokens[k];
    if (t.kind !== 'op') return false;
    if (t.value === '.' && tokens[k + 1]?.kind === 'name') k += 2;
    else if (t.value === '[' && tokens[k + 1]?.kind === 'string' && tokens[k + 2]?.value === ']' && tokens[k + 2]?.kind === 'op') k += 3;
    else return false;
  }
  if (CONSTANTS.has(root.value) || scopes.has(root.value)) return true;
  const ref: TemplateReference = { root: root.value, path: [], start: root.start, end: tokens[tokens.length - 1].end, span };
  for (let j = 1; j < tokens.length; ) {
    const t = tokens[j + 1];
    if (tokens[j].value === '.') {
      ref.path.push({ name: t.value, start: t.start, end: t.end });
      j += 2;
    } else {
      ref.path.push({ name: t.value, start: t.start + 1, end: t.end - 1 });
      j += 3;
    }
  }
  refs.push(ref);
  return true;
}

/**
 * Scans one string for Jinja spans, references and syntax errors. Never throws; a string
 * with no delimiter gives an empty scan. Unknown block tags, unbalanced `{% if %}`/`{% endif %}`
 * and unclosed delimiters are errors positioned at the offending tag or delimiter.
 */
export function scanTemplate(text: string): TemplateScan {
  if (!hasTemplate(text)) return { spans: [], references: [], errors: [], bound: new Set(), filters: [] };
  // A first pass learns what each frame stores, when a statement can store a name that a nested frame reads.
  if (!text.includes('{%') || !STORES.test(text)) return scanPass(text).scan;
  return scanPass(text, scanPass(text).stored).scan;
}

/** Statements that store a name in their frame (a for target or a macro parameter is bound where it is read). */
const STORES = /\{%[-+]?\s*(set|import|from|macro)\b/;

function scanPass(text: string, hoisted?: ReadonlyMap<number, ReadonlySet<string>>): { scan: TemplateScan; stored: ReadonlyMap<number, ReadonlySet<string>> } {
  const scan: TemplateScan = { spans: [], references: [], errors: [], bound: new Set(), filters: [] };
  const scopes = new Scopes(scan.bound, hoisted);
  const open: OpenBlock[] = [];
  const parse = (tokens: Token[], endAt: number, span: number, body: (p: Parser) => void): boolean => {
    const refs = scan.references.length;
    const filters = scan.filters.length;
    const p = new Parser(text, tokens, endAt, span, scopes, scan.references, scan.filters);
    const depth = scopes.depth;
    try {
      body(p);
      return true;
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      scan.errors.push({ message: e.message, start: e.start, end: Math.max(e.end, e.start + 1) });
      // What a broken tag seems to read or bind is not reported.
      scan.references.length = refs;
      scan.filters.length = filters;
      scopes.truncate(depth);
      return false;
    }
  };
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
      // Most expressions are a dotted name (`{{ workload.pg_auth }}`): read without the parser.
      if (!simpleChain(tokens, spanIndex, scopes, scan.references))
        parse(tokens, closeAt, spanIndex, (p) => {
          p.tuple();
          p.end();
        });
      continue;
    }
    const head = tokens[0];
    if (head === undefined || head.kind !== 'name') {
      scan.errors.push({ message: 'expected a tag name after {%', start: at, end: closeAt + 2 });
      continue;
    }
    const tag = head.value;
    const rest = tokens.slice(1);
    if (tag === 'raw') {
      // jinja2's lexer takes `{% raw %}` only as it is: anything more in the tag is not raw.
      if (rest.length > 0) {
        scan.errors.push({ message: "'{% raw %}' takes nothing more", start: rest[0].start, end: rest[0].end });
        continue;
      }
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
    if (tag in MIDDLE_TAGS) {
      const top = open[open.length - 1];
      if (top === undefined || !MIDDLE_TAGS[tag].includes(top.tag)) {
        scan.errors.push({ message: `'${tag}' outside of ${MIDDLE_TAGS[tag].map((t) => `'{% ${t} %}'`).join(' or ')}`, start: head.start, end: head.end });
        continue;
      }
      // Each branch has its own names; the test of an elif is read where the if is.
      if (top.scoped) {
        const names = scopes.pop();
        if (top.branches && names) (top.bound ??= []).push(names);
        if (tag === 'else') top.hasElse = true;
      }
      parse(rest, closeAt, spanIndex, (p) => {
        if (tag === 'elif') p.tuple({ condexpr: false });
        if (tag !== 'pluralize') p.end();
      });
      if (top.scoped) scopes.push([], !top.branches);
      continue;
    }
    if (tag.startsWith('end') && !(tag in BLOCK_TAGS) && !SIMPLE_TAGS.has(tag)) {
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
      if (top.scoped) {
        const names = scopes.pop();
        // A name every branch of an if/else sets is set after it (Jinja2 renders it so, though
        // jinja2.meta counts it as read from the context); one only some branches set is read
        // from the context when they do not run.
        if (top.branches && names && top.hasElse) {
          const branches = [...(top.bound ?? []), names];
          for (const name of branches[0]) if (branches.every((b) => b.has(name))) scopes.bind(name);
        }
      }
      if (top.isolated) scopes.restore();
      parse(rest, closeAt, spanIndex, (p) => {
        // `{% endblock name %}` may repeat the block's name.
        if (tag === 'endblock') p.skipIf(p.current?.value ?? '', 'name');
        p.end();
      });
      continue;
    }
    if (!(tag in BLOCK_TAGS) && !SIMPLE_TAGS.has(tag)) {
      scan.errors.push({ message: `unknown tag '${tag}'`, start: head.start, end: head.end });
      continue;
    }
    let block: OpenBlock | undefined;
    const ok = parse(rest, closeAt, spanIndex, (p) => {
      block = statement(p, tag, head, scopes);
    });
    // A broken opening tag still opens its block, so that its end tag matches.
    if (!ok && tag in BLOCK_TAGS) block = { tag, start: head.start, end: head.end, scoped: false };
    if (block) open.push(block);
  }
  if (scan.errors.length === 0) {
    for (const block of open) {
      scan.errors.push({ message: `'{% ${block.tag} %}' is never closed with '{% ${closerOf(block.tag)} %}'`, start: block.start, end: block.end });
    }
  }
  return { scan, stored: scopes.stored };
}

/** References only, for callers that do not care about spans or errors. */
export function templateReferences(text: string): TemplateReference[] {
  return scanTemplate(text).references;
}
