/**
 * Compiles a template (our lexer, the engine's parser) and renders it piece by piece, masking
 * the pieces that read a secret (see src/core/jinja.ts for the rules).
 */
import { MASKED, TEMPLATE_LIMITS, TemplateError } from './common.js';
import { fixConcatPrecedence, frame, globalScope, Interpreter, Scope, type Node } from './interpreter.js';
import { tokenize, type Token } from './lexer.js';
import { fromJs, onMutation, onSecretRead, onWork } from './values.js';

/** The engine's parser (@huggingface/jinja's `parse`), given our tokens. */
export type Parse = (tokens: Token[]) => { body: Node[] };

export interface Prepared {
  context: Record<string, unknown>;
  mask: boolean;
  globals: Scope;
  /** A template changed a list or dict of the context in place: the next one starts from the context again. */
  stale: boolean;
}

/** Statement types whose evaluation cannot print anything, whatever the values. */
const SILENT = new Set(['Set', 'Macro', 'Comment']);

export function makeEngine(parse: Parse) {
  function compile(text: string): Node[] {
    try {
      const body = parse(tokenize(text)).body;
      fixConcatPrecedence(body);
      return body;
    } catch (err) {
      throw new TemplateError(`cannot render '${shorten(text)}': ${errorText(err)}`);
    }
  }

  return {
    prepare(context: Record<string, unknown>, mask: boolean): Prepared {
      return { context, mask, globals: contextScope(context, mask), stale: false };
    },

    render(text: string, prepared: Prepared, onCovered?: (reference: string) => void): string {
      const body = compile(text);
      if (prepared.stale) {
        prepared.globals = contextScope(prepared.context, prepared.mask);
        prepared.stale = false;
      }
      const mask = prepared.mask;
      const interpreter = new Interpreter();
      const scope = frame(body, prepared.globals);
      const analysis = analyse(body);
      let touched = false;
      let changed = false;
      onSecretRead(() => {
        touched = true;
      });
      onMutation(() => {
        changed = true;
        prepared.stale = true;
      });
      let work = 0;
      onWork((units) => {
        work += units;
        if (work > TEMPLATE_LIMITS.work) throw new TemplateError(`it takes more than ${TEMPLATE_LIMITS.work} units of work`);
      });
      let out = '';
      let storedFromSecret = false;
      let lastWasMasked = false;
      try {
        for (const piece of body) {
          touched = false;
          changed = false;
          let printed: string;
          try {
            printed = interpreter.output(piece, scope);
          } catch (err) {
            // After a secret was read, the failure itself may be about the secret's content.
            const detail = mask && (touched || storedFromSecret) ? 'it failed after reading a secret (the reason is shown only when secrets are revealed)' : errorText(err);
            throw new TemplateError(`cannot render '${shorten(text)}': ${detail}`);
          }
          const masked = mask && piece.type !== 'StringLiteral' && (touched || storedFromSecret);
          // A piece that read a secret and stored something (set, a macro, a list or dict changed in place).
          if (mask && touched && (changed || analysis.hasMacros || analysis.storing.has(piece))) storedFromSecret = true;
          if (!masked) {
            out += printed;
            lastWasMasked = false;
          } else if (!SILENT.has(piece.type) && !lastWasMasked) {
            // Printed even when the piece printed nothing: whether it did may depend on the secret.
            out += MASKED;
            lastWasMasked = true;
          }
        }
      } finally {
        onSecretRead(() => undefined);
        onMutation(() => undefined);
        onWork(() => undefined);
      }
      for (const name of interpreter.coveredNames) onCovered?.(name);
      return out;
    },
  };
}

export type Engine = ReturnType<typeof makeEngine>;

/** The context as template values, over Jinja2's globals. */
function contextScope(context: Record<string, unknown>, mask: boolean): Scope {
  const scope = new Scope(globalScope());
  for (const [name, value] of Object.entries(context)) scope.vars.set(name, fromJs(value, name, mask));
  return scope;
}

/**
 * The top-level pieces that may store a value for later pieces (they contain a `{% set %}`),
 * and whether the template defines macros (a macro called from an expression can set a
 * namespace attribute).
 */
function analyse(body: Node[]): { storing: Set<Node>; hasMacros: boolean } {
  let hasMacros = false;
  const storing = new Set<Node>();
  const visit = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.map(visit).some(Boolean);
    if (value instanceof Map) return [...value].flat().map(visit).some(Boolean);
    if (value === null || typeof value !== 'object' || typeof (value as Node).type !== 'string') return false;
    const node = value as Node;
    if (node.type === 'Macro') hasMacros = true;
    let sets = node.type === 'Set';
    for (const child of Object.values(node)) if (visit(child)) sets = true;
    return sets;
  };
  for (const piece of body) if (visit(piece)) storing.add(piece);
  return { storing, hasMacros };
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

function errorText(err: unknown): string {
  if (err instanceof TemplateError) return err.message;
  if (err instanceof RangeError && /call stack/.test(err.message)) return 'it nests too deeply';
  return err instanceof Error ? err.message : String(err);
}
