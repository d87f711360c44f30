/**
 * Jinja2 rendering of playbook templates, sandboxed. Playbooks are untrusted input (a pull
 * request, a catalog entry someone else registered), so templates run in @huggingface/jinja,
 * an interpreter whose values are its own (strings, numbers, Maps): a template reaches no
 * JavaScript object, prototype, constructor or global, and calls only the engine's builtins
 * and the globals given here (range, namespace). Its work is bounded (steps, range size,
 * string size), so a template cannot hang the process or exhaust its memory either.
 * The engine is loaded on first use (await import), so nothing that merely imports this module
 * pays for it. An undefined variable is an error, never a silent empty string.
 *
 * Masking (`noetl render` without --reveal): values wrapped in `secret()` are tracked while a
 * template renders. Each piece of the template (a text run, a `{{ … }}`, a `{% … %}` block) whose
 * evaluation reads a secret value prints as MASKED instead, whatever it did with the value
 * (`| upper`, `| reverse`, `[1:]`, a comparison in an `{% if %}`); once a piece that read a
 * secret may have stored something (`{% set %}`, macros), every later non-text piece is masked.
 */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** A context value whose every leaf is secret: output derived from it is masked when asked. */
export class Secret {
  constructor(readonly value: unknown) {}
}

/** Marks a context value as secret (see renderTemplate's maskSecrets). */
export function secret(value: unknown): Secret {
  return new Secret(value);
}

/** What masked output shows in place of anything derived from a secret: no character, no length. */
export const MASKED = '****';

/** Bounds on one template's work. Jinja2's own sandbox caps range() at 100,000 items too. */
export const TEMPLATE_LIMITS = { steps: 1_000_000, rangeItems: 100_000, stringLength: 8 * 1024 * 1024 } as const;

export interface RenderOptions {
  /** Replace every piece of output that read a `secret()` value by MASKED; an error after such a read is not detailed. */
  maskSecrets?: boolean;
}

/**
 * The context playbooks render with: workload keys both as `workload.x` and bare `x`,
 * plus `extra` (keychain, execution_id, …), which wins over a workload key of the same name.
 */
export function workloadContext(workload: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...workload, workload, ...extra };
}

/** Whether a string contains template syntax at all (rendering it would change it). */
export function isTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

/**
 * A renderer for many templates over one context (converted once). Each call throws
 * TemplateError naming the template on any failure.
 */
export async function templateRenderer(context: Record<string, unknown>, options: RenderOptions = {}): Promise<(text: string) => string> {
  const sandbox = await loadSandbox();
  let prepared: PreparedContext | undefined;
  return (text) => {
    if (!isTemplate(text)) return text;
    prepared ??= sandbox.prepare(context, Boolean(options.maskSecrets));
    return sandbox.render(text, prepared);
  };
}

/** Renders one template string. Throws TemplateError naming the template on any failure. */
export async function renderTemplate(text: string, context: Record<string, unknown>, options: RenderOptions = {}): Promise<string> {
  return (await templateRenderer(context, options))(text);
}

/** Renders every string inside a JSON-like value (objects, arrays), keeping its shape. */
export async function renderValue<T>(value: T, context: Record<string, unknown>, options: RenderOptions = {}): Promise<T> {
  const render = await templateRenderer(context, options);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return render(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * The part of @huggingface/jinja this module uses. Declared here because the package's own
 * declarations import "./runtime" without an extension, which NodeNext resolution cannot follow.
 */
interface Jinja {
  Environment: new (parent?: Environment) => Environment;
  Interpreter: new (environment?: Environment) => Interpreter;
  tokenize(text: string, options: { lstrip_blocks: boolean; trim_blocks: boolean }): unknown[];
  parse(tokens: unknown[]): { body: Node[] };
}
interface Environment {
  /** Converts plain data to runtime values (own enumerable properties; a function becomes callable). */
  set(name: string, value: unknown): RuntimeValue;
  setVariable(name: string, value: RuntimeValue): RuntimeValue;
}
interface Interpreter {
  global: Environment;
  evaluate(node: Node | undefined, environment: Environment): RuntimeValue;
}
interface RuntimeValue {
  /** StringValue, IntegerValue, ObjectValue (value: a Map), ArrayValue, FunctionValue, UndefinedValue, … */
  type: string;
  value: unknown;
  __bool__(): { value: boolean };
  toString(): string;
}
interface Node {
  type: string;
}

/** The AST fields this module reads, by node type (the engine does not export its node classes). */
interface AstFields {
  value?: unknown;
  object?: Node;
  property?: Node;
  computed?: boolean;
  callee?: Node;
  args?: Node[];
  key?: Node;
  operand?: Node;
  filter?: Node;
  body?: Node[];
}
const fields = (node: Node) => node as Node & AstFields;

/** Per-render state shared by the interpreter and the secret values it reads. */
interface RunState {
  steps: number;
  /** Set when the piece of output being evaluated reads a secret value. */
  touchedSecret: boolean;
  /** Runtime values that are secret leaves (read only through their tracking accessor). */
  secretLeaves: WeakSet<object>;
}

interface PreparedContext {
  globals: Environment;
  state: RunState;
  mask: boolean;
}

interface Sandbox {
  prepare(context: Record<string, unknown>, mask: boolean): PreparedContext;
  render(text: string, prepared: PreparedContext): string;
}

let sandbox: Promise<Sandbox> | undefined;

function loadSandbox(): Promise<Sandbox> {
  sandbox ??= import('@huggingface/jinja').then((jinja) => makeSandbox(jinja as unknown as Jinja));
  return sandbox;
}

/** A node inserted at the top of every loop body, so each iteration counts as a step. */
const LOOP_STEP = 'NoetlLoopStep';
/** Statement types whose evaluation cannot print anything, whatever the values. */
const SILENT = new Set(['Set', 'Macro', 'Comment']);
/** Filters implemented here (missing from the engine, or allowed on an undefined operand). */
const FILTERS = new Set(['default', 'd', 'reverse', 'list', 'truncate']);

function makeSandbox(jinja: Jinja): Sandbox {
  /** A runtime value made by the engine's own converter (plain data: own enumerable properties only). */
  const toRuntime = (value: unknown): RuntimeValue => new jinja.Environment().set('value', value);
  const NONE = toRuntime(null);

  class SandboxedInterpreter extends jinja.Interpreter {
    /** Operands where an undefined value is allowed: of a test (`x is defined`) and of `| default`. */
    readonly mayBeUndefined = new Set<Node>();

    constructor(
      environment: Environment,
      readonly state: RunState,
    ) {
      super(environment);
    }

    override evaluate(node: Node | undefined, environment: Environment): RuntimeValue {
      if (++this.state.steps > TEMPLATE_LIMITS.steps) throw new TemplateError(`it takes more than ${TEMPLATE_LIMITS.steps} steps`);
      if (node?.type === LOOP_STEP) return NONE;
      const value = node?.type === 'FilterExpression' && FILTERS.has(filterName(fields(node).filter!)) ? this.filter(node, environment) : super.evaluate(node, environment);
      if (node && value.type === 'UndefinedValue' && (node.type === 'Identifier' || node.type === 'MemberExpression') && !this.mayBeUndefined.has(node)) {
        throw new TemplateError(`'${describe(node)}' is not defined`);
      }
      if (value.type === 'FunctionValue') {
        // Printing a function would print its JavaScript source.
        Object.defineProperty(value, 'toString', { value: () => '<function>', configurable: true });
      } else if (value.type === 'StringValue' && !this.state.secretLeaves.has(value) && (value.value as string).length > TEMPLATE_LIMITS.stringLength) {
        throw new TemplateError(`it makes a string longer than ${TEMPLATE_LIMITS.stringLength} characters`);
      }
      return value;
    }

    private filter(node: Node, environment: Environment): RuntimeValue {
      const { operand, filter } = fields(node);
      const name = filterName(filter!);
      const input = this.evaluate(operand, environment);
      const { positional, keyword } = this.callArguments(filter!.type === 'CallExpression' ? (fields(filter!).args ?? []) : [], environment);
      const arg = (index: number, key: string): RuntimeValue | undefined => positional[index] ?? keyword.get(key);
      switch (name) {
        case 'default':
        case 'd': {
          const onFalsy = arg(1, 'boolean');
          const useDefault = input.type === 'UndefinedValue' || (onFalsy?.value === true && !input.__bool__().value);
          return useDefault ? (arg(0, 'default_value') ?? toRuntime('')) : input;
        }
        case 'reverse':
          if (input.type === 'StringValue') return toRuntime(Array.from(input.value as string).reverse().join(''));
          if (input.type === 'ArrayValue') return arrayOf((input.value as RuntimeValue[]).slice().reverse());
          throw new TemplateError(`filter 'reverse' needs a string or a list, not ${typeName(input)}`);
        case 'list':
          if (input.type === 'StringValue') return toRuntime(Array.from(input.value as string));
          if (input.type === 'ArrayValue') return input;
          if (input.type === 'ObjectValue') return toRuntime([...(input.value as Map<string, RuntimeValue>).keys()]);
          throw new TemplateError(`filter 'list' needs a string, a list or a mapping, not ${typeName(input)}`);
        default: {
          if (input.type !== 'StringValue') throw new TemplateError(`filter 'truncate' needs a string, not ${typeName(input)}`);
          const length = integerArgument(arg(0, 'length'), 255, 'truncate length');
          const leeway = integerArgument(arg(3, 'leeway'), 5, 'truncate leeway');
          const end = arg(2, 'end');
          return toRuntime(truncate(input.value as string, length, arg(1, 'killwords')?.value === true, end === undefined ? '...' : String(end.value), leeway));
        }
      }
    }

    private callArguments(args: Node[], environment: Environment): { positional: RuntimeValue[]; keyword: Map<string, RuntimeValue> } {
      const positional: RuntimeValue[] = [];
      const keyword = new Map<string, RuntimeValue>();
      for (const a of args) {
        if (a.type === 'KeywordArgumentExpression') keyword.set(String(fields(fields(a).key!).value), this.evaluate(fields(a).value as Node, environment));
        else if (a.type.endsWith('SpreadExpression')) throw new TemplateError('argument unpacking (*args, **kwargs) is not supported in filters');
        else positional.push(this.evaluate(a, environment));
      }
      return { positional, keyword };
    }
  }

  const arrayOf = (items: RuntimeValue[]): RuntimeValue => {
    const array = toRuntime([]);
    (array.value as RuntimeValue[]).push(...items);
    return array;
  };

  function range(...args: unknown[]): number[] {
    if (args.length === 0 || args.length > 3 || !args.every((a) => Number.isInteger(a))) throw new TemplateError('range() takes one to three integers');
    const [start, stop, step] = (args.length === 1 ? [0, args[0], 1] : [args[0], args[1], args[2] ?? 1]) as number[];
    if (step === 0) throw new TemplateError('range() step must not be zero');
    const count = Math.max(0, Math.ceil((stop - start) / step));
    if (count > TEMPLATE_LIMITS.rangeItems) throw new TemplateError(`range() of more than ${TEMPLATE_LIMITS.rangeItems} items`);
    return Array.from({ length: count }, (_, i) => start + i * step);
  }

  /** Jinja2's constants and the globals a sandbox allows; `namespace` comes with every Environment. */
  function globalsWith(context: Record<string, unknown>, mask: boolean, state: RunState): Environment {
    const env = new jinja.Environment();
    for (const [name, value] of Object.entries({ true: true, false: false, none: null, True: true, False: false, None: null, range })) env.set(name, value);
    for (const [name, value] of Object.entries(context)) {
      const runtime = toRuntime(plainData(value, name));
      if (mask) trackSecrets(value, runtime, state);
      env.setVariable(name, runtime);
    }
    return env;
  }

  function compile(text: string): Node[] {
    let body: Node[];
    try {
      body = jinja.parse(jinja.tokenize(text, { lstrip_blocks: false, trim_blocks: false })).body;
    } catch (err) {
      throw new TemplateError(`cannot render '${shorten(text)}': ${errorText(err)}`);
    }
    return body;
  }

  return {
    prepare(context, mask) {
      const state: RunState = { steps: 0, touchedSecret: false, secretLeaves: new WeakSet() };
      return { globals: globalsWith(context, mask, state), state, mask };
    },

    render(text, { globals, state, mask }) {
      const body = compile(text);
      state.steps = 0;
      const interpreter = new SandboxedInterpreter(new jinja.Environment(globals), state);
      const analysis = analyse(body, interpreter.mayBeUndefined);
      let out = '';
      let storedFromSecret = false;
      let lastWasMasked = false;
      for (const piece of body) {
        state.touchedSecret = false;
        let printed: string;
        try {
          const value = interpreter.evaluate(piece, interpreter.global);
          printed = value.type === 'NullValue' || value.type === 'UndefinedValue' ? '' : value.toString();
        } catch (err) {
          // After a secret was read, the failure itself may be about the secret's content.
          const detail = mask && (state.touchedSecret || storedFromSecret) ? 'it failed after reading a secret (--reveal shows why)' : errorText(err);
          throw new TemplateError(`cannot render '${shorten(text)}': ${detail}`);
        }
        const masked = mask && piece.type !== 'StringLiteral' && (state.touchedSecret || storedFromSecret);
        if (mask && state.touchedSecret && (analysis.hasMacros || analysis.storing.has(piece))) storedFromSecret = true;
        if (!masked) {
          out += printed;
          lastWasMasked = false;
        } else if (!SILENT.has(piece.type) && !lastWasMasked) {
          // Printed even when the piece printed nothing: whether it did may depend on the secret.
          out += MASKED;
          lastWasMasked = true;
        }
      }
      return out;
    },
  };
}

/**
 * One pass over a template's syntax tree: notes the operands allowed to be undefined, adds a
 * step at the top of every loop body, and finds the top-level pieces that may store a value
 * for later pieces (they contain a `{% set %}`) and whether the template defines macros
 * (a macro called from an expression can set a namespace attribute).
 */
function analyse(body: Node[], mayBeUndefined: Set<Node>): { storing: Set<Node>; hasMacros: boolean } {
  let hasMacros = false;
  const storing = new Set<Node>();
  const visit = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.map(visit).some(Boolean);
    if (value instanceof Map) return [...value].flat().map(visit).some(Boolean);
    if (value === null || typeof value !== 'object' || typeof (value as { type?: unknown }).type !== 'string') return false;
    const node = value as Node & AstFields & { test?: Node };
    if (node.type === 'TestExpression' || (node.type === 'FilterExpression' && ['default', 'd'].includes(filterName(node.filter!)))) mayBeUndefined.add(node.operand!);
    if (node.type === 'Macro') hasMacros = true;
    if (node.type === 'For') node.body!.unshift({ type: LOOP_STEP } as Node);
    let sets = node.type === 'Set';
    for (const child of Object.values(node)) if (visit(child)) sets = true;
    return sets;
  };
  for (const piece of body) if (visit(piece)) storing.add(piece);
  return { storing, hasMacros };
}

/**
 * Plain data for the engine: secret markers unwrapped, objects by own enumerable properties.
 * Functions are refused: the context of a template is data, never code.
 */
function plainData(value: unknown, path: string): unknown {
  if (value instanceof Secret) return plainData(value.value, path);
  if (Array.isArray(value)) return value.map((v, i) => plainData(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainData(v, `${path}.${k}`)]));
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`template context '${path}' is a ${typeof value}: a context holds data only`);
  return value;
}

/** Walks `value` and its runtime twin; every leaf under a Secret marks the run when it is read. */
function trackSecrets(value: unknown, runtime: RuntimeValue, state: RunState, secret = false): void {
  if (value instanceof Secret) return trackSecrets(value.value, runtime, state, true);
  const inner = runtime.value;
  if (Array.isArray(value) && Array.isArray(inner)) {
    value.forEach((v, i) => trackSecrets(v, inner[i] as RuntimeValue, state, secret));
  } else if (value !== null && typeof value === 'object' && inner instanceof Map) {
    for (const [k, v] of Object.entries(value)) trackSecrets(v, inner.get(k) as RuntimeValue, state, secret);
  } else if (secret) {
    // Every use of a runtime value goes through `.value` (printing, filters, comparisons, tests)
    // or `.builtins` (methods, and `.length`, which the engine computes once and caches).
    state.secretLeaves.add(runtime);
    const prototype = Object.getPrototypeOf(runtime) as object;
    Object.defineProperties(runtime, {
      value: {
        get() {
          state.touchedSecret = true;
          return inner;
        },
        enumerable: true,
      },
      builtins: {
        get() {
          state.touchedSecret = true;
          return Reflect.get(prototype, 'builtins', runtime) as unknown;
        },
      },
    });
  }
}

function filterName(filter: Node): string {
  const named = filter.type === 'CallExpression' ? fields(filter).callee! : filter;
  return named.type === 'Identifier' ? String(fields(named).value) : '';
}

/** A node's source-like text for messages: `keychain.other`, `items[0]`, `f(…).x`, `''.constructor`. */
function describe(node: Node): string {
  const n = fields(node);
  switch (node.type) {
    case 'Identifier':
      return String(n.value);
    case 'MemberExpression': {
      const object = describe(n.object!);
      const property = fields(n.property!);
      if (!n.computed) return `${object}.${String(property.value)}`;
      if (n.property!.type === 'StringLiteral') return /^[A-Za-z_]\w*$/.test(String(property.value)) ? `${object}.${String(property.value)}` : `${object}['${String(property.value)}']`;
      return n.property!.type === 'IntegerLiteral' ? `${object}[${String(property.value)}]` : `${object}[…]`;
    }
    case 'CallExpression':
      return `${describe(n.callee!)}(…)`;
    case 'StringLiteral':
      return `'${shorten(String(n.value))}'`;
    default:
      return '…';
  }
}

function typeName(value: RuntimeValue): string {
  return value.type.replace(/Value$/, '').toLowerCase();
}

function integerArgument(value: RuntimeValue | undefined, fallback: number, what: string): number {
  if (value === undefined || value.type === 'NullValue') return fallback;
  if (value.type !== 'IntegerValue') throw new TemplateError(`${what} must be an integer`);
  return value.value as number;
}

/** Jinja2's truncate: strings up to length + leeway are kept; else cut at a word (or anywhere with killwords) and `end` added. */
function truncate(text: string, length: number, killwords: boolean, end: string, leeway: number): string {
  if (text.length <= length + leeway) return text;
  const cut = text.slice(0, Math.max(0, length - end.length));
  if (killwords) return cut + end;
  const space = cut.lastIndexOf(' ');
  return (space === -1 ? cut : cut.slice(0, space)) + end;
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

function errorText(err: unknown): string {
  if (err instanceof TemplateError) return err.message;
  if (err instanceof RangeError && /call stack/.test(err.message)) return 'it nests too deeply';
  const message = err instanceof Error ? err.message : String(err);
  return message || 'it uses break or continue outside a loop';
}
