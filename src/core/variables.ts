/**
 * Execution variables (seeds 000/001) with no I/O: the types, the name rule (a template must be
 * able to say `{{ name }}`), the JSON a value is stored as, what is secret in a value, and how
 * variables join a template context.
 */
import { NoetlError } from './errors.js';
import { parseId64 } from './ids.js';
import { checkJsonNesting } from './json.js';
import { maskString, maskValue } from './mask.js';
import { isSecretKey, looksLikeSecretValue } from './secret-shapes.js';

export const VARIABLE_TYPES = ['step_result', 'bearer_token', 'computed', 'user_defined'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];
/** What a stored variable's type can be: upstream NoETL's `transient` table also holds 'iterator_state' rows (read, never written by noetl). */
export type StoredVariableType = VariableType | 'iterator_state';

export function isVariableType(text: string): text is VariableType {
  return (VARIABLE_TYPES as readonly string[]).includes(text);
}

/**
 * Names a worker puts in every template context itself; a variable with one of these names
 * would shadow it, so it is never merged (seeds' context: workload, spec, job; plus keychain).
 */
export const BASE_CONTEXT_KEYS = ['workload', 'spec', 'job', 'keychain'] as const;

export type VariableErrorReason = 'invalid-id' | 'invalid-name' | 'invalid-type' | 'invalid-value' | 'bearer-result';

/** Invalid input to a variable operation (`invalid`), with why, for callers to tell apart. */
export function variableError(message: string, reason: VariableErrorReason): NoetlError {
  return new NoetlError('invalid', message, { reason });
}

/** A variable is referenced in templates as `{{ name }}`: an identifier, as the template language reads one. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Words the template language reads as literals or operators, never as a variable. */
const TEMPLATE_WORDS = new Set(['true', 'false', 'none', 'True', 'False', 'None', 'and', 'or', 'not', 'in', 'is', 'if', 'else']);

/** Refuses a name no template could reference (`invalid`); JSON-quoted in the message so no control character reaches a terminal. */
export function checkVariableName(name: string): string {
  if (!VARIABLE_NAME.test(name) || TEMPLATE_WORDS.has(name)) {
    throw variableError(
      `variable name ${JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)} is not valid: use 1-128 letters, digits and '_', starting with a letter or '_', not a template word (true, none, and, in, …), so templates can use it as {{ name }}`,
      'invalid-name',
    );
  }
  return name;
}

/** The variable type named by `text`, or `invalid`. */
export function checkVariableType(text: string): VariableType {
  if (!isVariableType(text)) throw variableError(`unknown variable type '${text}': expected one of ${VARIABLE_TYPES.join(', ')}`, 'invalid-type');
  return text;
}

/** The canonical 64-bit execution id, or `invalid`: ids are decimal strings, never numbers. */
export function executionIdOf(text: string): string {
  const id = parseId64(String(text));
  if (id === undefined) throw variableError(`execution id '${text}' is not a 64-bit number (e.g. 507431238966182398)`, 'invalid-id');
  return id;
}

/** A value as the JSON text to store, refused (before anything is written) when it could not be read back. */
export function variableJson(name: string, value: unknown): string {
  if (value === undefined) throw variableError(`variable '${name}' has no value`, 'invalid-value');
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    // A cycle, a BigInt, or nesting deep enough to overflow the stack; the message names no value.
    const why = err instanceof RangeError ? 'it is nested too deeply' : (err as Error).message.split('\n')[0];
    throw variableError(`variable '${name}' cannot be stored as JSON: ${why}`, 'invalid-value');
  }
  if (json === undefined) throw variableError(`variable '${name}' has no JSON value (a function or a symbol is not data)`, 'invalid-value');
  try {
    checkJsonNesting(json, `variable '${name}'`);
  } catch (err) {
    throw variableError((err as Error).message, 'invalid-value');
  }
  return json;
}

/** Whether a variable's whole value is secret: a bearer token, or a name like `oauth_token`. */
export function isSecretVariable(v: { name: string; type: string }): boolean {
  return v.type === 'bearer_token' || isSecretKey(v.name);
}

/** Masks the leaves under secret-named keys and strings that look like secrets (JWTs, PEM keys). */
export function maskSecrets(value: unknown): unknown {
  if (typeof value === 'string') return looksLikeSecretValue(value) ? maskString(value) : value;
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, isSecretKey(k) ? maskValue(v) : maskSecrets(v)]));
  }
  return value;
}

/**
 * A variable's value as shown without reveal: a secret variable masked whole (every leaf, the
 * structure kept, so a field path still finds its masked leaf), else its secret-looking parts.
 */
export function shownVariableValue(v: { name: string; type: string; value: unknown }, reveal: boolean): unknown {
  if (reveal) return v.value;
  return isSecretVariable(v) ? maskValue(v.value) : maskSecrets(v.value);
}

/** What a template context needs of a variable. */
export interface ContextVariable {
  name: string;
  type: StoredVariableType;
  value: unknown;
  sourceStep: string | null;
}

export interface ExtendedContext {
  context: Record<string, unknown>;
  /** Variables not merged because their name is a base key of the context. */
  conflicts: { name: string; type: StoredVariableType; sourceStep: string | null }[];
}

/**
 * The template context a worker renders with: `context` plus the execution's variables.
 * A variable never overrides a key of `context` or a reserved base key (workload, spec,
 * job, keychain); it is left out and reported as a conflict instead.
 */
export function mergeVariables(context: Record<string, unknown>, variables: ContextVariable[]): ExtendedContext {
  const merged: Record<string, unknown> = { ...context };
  const conflicts: ExtendedContext['conflicts'] = [];
  const reserved = new Set<string>([...BASE_CONTEXT_KEYS, ...Object.keys(context)]);
  for (const v of variables) {
    if (reserved.has(v.name)) conflicts.push({ name: v.name, type: v.type, sourceStep: v.sourceStep });
    else merged[v.name] = v.value;
  }
  return { context: merged, conflicts };
}
