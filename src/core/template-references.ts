/**
 * Why a template reference does or does not resolve for one execution: pure functions over
 * the render context and the keychain entries the playbook has, so `noetl render` can list
 * every unresolved reference with its reason (the seeds' "Template Resolution Failed").
 */
import { secret } from './jinja.js';
import { isSecretKey, looksLikeSecretValue } from './secret-shapes.js';
import { isVisibleTo, type Reader, type ScopeType } from './scope.js';
import { closest } from './suggest.js';
import type { TemplateReference } from './templates.js';

export type UnresolvedReason =
  | 'no such variable'
  | 'no such field'
  | 'no such keychain entry'
  | 'keychain entry expired'
  | "entry not visible from this execution's scope"
  | 'template syntax error'
  | 'render error';

/** A keychain entry of the playbook, as far as resolution is concerned (data only when readable). */
export interface KeychainState {
  name: string;
  cacheKey: string;
  scope: ScopeType;
  catalogId: string;
  executionId: string | null;
  /** For shared entries, the root of the execution tree (parent_execution_id). */
  rootExecutionId: string | null;
  expiresAt: Date;
  expired: boolean;
  autoRenew: boolean;
  /** The decrypted data, for a visible, unexpired entry. */
  data?: Record<string, unknown>;
}

export interface ReferenceProblem {
  reason: UnresolvedReason;
  detail: string;
}

/** Scopes from the most specific (one execution) to the least (every execution of the playbook). */
const SCOPE_PRECEDENCE: ScopeType[] = ['local', 'shared', 'catalog', 'global'];

/**
 * The keychain entry of `name` this reader would get: among the visible ones, an unexpired one
 * before an expired one, then the most specific scope (not the cache key's alphabetical order,
 * which put a catalog entry before a shared one).
 */
export function visibleKeychainEntry(states: KeychainState[], name: string, reader: Reader): KeychainState | undefined {
  const visible = states.filter((s) => s.name === name && isVisibleTo({ scope: s.scope, catalogId: s.catalogId, executionId: s.executionId, rootExecutionId: s.rootExecutionId }, reader));
  const rank = (s: KeychainState) => (s.expired ? SCOPE_PRECEDENCE.length : 0) + SCOPE_PRECEDENCE.indexOf(s.scope);
  return visible.sort((a, b) => rank(a) - rank(b))[0];
}

/** A reference's dotted text: `keychain.amadeus_token.access_token`. */
export function referenceText(ref: TemplateReference): string {
  return [ref.root, ...ref.path.map((p) => p.name)].join('.');
}

export interface ReferenceCheckInput {
  context: Record<string, unknown>;
  keychain: KeychainState[];
  reader: Reader;
  /** Whether the playbook is in the catalog (keychain entries belong to a catalog id). */
  catalogKnown: boolean;
  /** Names the playbook binds at run time (loop iterators, set/vars keys): not checked. */
  runtimeNames: Set<string>;
  /** Step names of the playbook, and the bearer variables steps set: to explain a missing variable. */
  steps: Set<string>;
  bearerVariables: Map<string, string>;
}

/** Why `ref` does not resolve, or undefined when it does (or cannot be checked before run time). */
export function checkReference(ref: TemplateReference, input: ReferenceCheckInput): ReferenceProblem | undefined {
  const names = ref.path.map((p) => p.name);
  if (ref.root === 'keychain' && names.length > 0) return checkKeychainReference(names[0], names.slice(1), input);
  if (input.runtimeNames.has(ref.root)) return undefined;
  if (!Object.prototype.hasOwnProperty.call(input.context, ref.root)) {
    return { reason: 'no such variable', detail: missingVariableDetail(ref.root, input) };
  }
  return checkPath(input.context[ref.root], ref.root, names);
}

function checkKeychainReference(name: string, fields: string[], input: ReferenceCheckInput): ReferenceProblem | undefined {
  const all = input.keychain.filter((s) => s.name === name);
  if (all.length === 0) {
    const known = [...new Set(input.keychain.map((s) => s.name))];
    const guess = closest(name, known);
    const where = input.catalogKnown ? 'for this playbook' : 'because the playbook is not registered in the catalog (register it first)';
    return { reason: 'no such keychain entry', detail: `no keychain entry '${name}' ${where}${guess ? ` (did you mean '${guess}'?)` : ''}` };
  }
  const entry = visibleKeychainEntry(input.keychain, name, input.reader);
  if (!entry) {
    const scopes = all.map((s) => (s.scope === 'local' ? `local to execution ${s.executionId}` : s.scope === 'shared' ? `shared under root execution ${s.rootExecutionId}` : s.scope));
    return { reason: "entry not visible from this execution's scope", detail: `keychain entry '${name}' exists only as ${[...new Set(scopes)].join(', ')}` };
  }
  if (entry.expired) {
    const renew = entry.autoRenew ? '; it auto-renews: a worker would renew it on read (or renew it now)' : '; set it again';
    return { reason: 'keychain entry expired', detail: `keychain entry '${name}' (${entry.scope}) expired at ${entry.expiresAt.toISOString()}${renew}` };
  }
  return checkPath(entry.data ?? {}, `keychain.${name}`, fields);
}

function checkPath(value: unknown, prefix: string, names: string[]): ReferenceProblem | undefined {
  let current = value;
  for (let i = 0; i < names.length; i++) {
    const isObject = current !== null && typeof current === 'object';
    if (!isObject || !Object.prototype.hasOwnProperty.call(current, names[i])) {
      const at = [prefix, ...names.slice(0, i)].join('.');
      const fields = isObject && !Array.isArray(current) ? Object.keys(current as object) : [];
      const guess = closest(names[i], fields);
      const has = fields.length ? `; it has ${fields.slice(0, 8).join(', ')}` : isObject ? '' : `; it is ${current === null ? 'null' : typeof current}`;
      return { reason: 'no such field', detail: `'${at}' has no field '${names[i]}'${guess ? ` (did you mean '${guess}'?)` : has}` };
    }
    current = (current as Record<string, unknown>)[names[i]];
  }
  return undefined;
}

function missingVariableDetail(name: string, input: ReferenceCheckInput): string {
  const setter = input.bearerVariables.get(name);
  if (setter) return `'${name}' is the bearer token of step '${setter}', which has not stored it for this execution`;
  if (input.steps.has(name)) return `step '${name}' has no result stored for this execution yet`;
  if (name === 'spec' || name === 'job') return `'${name}' is provided by the NoETL server at run time; render cannot see it`;
  const guess = closest(name, Object.keys(input.context));
  return `no execution variable or workload key '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}`;
}

/**
 * The render context with its secrets marked (src/core/jinja.ts masks whatever output derives
 * from them): everything under `secretRoots` (keychain data, bearer tokens), values under
 * secret-named keys, and strings that look like secrets (JWTs, PEM keys).
 */
export function markSecrets(context: Record<string, unknown>, secretRoots: Set<string>, plainRoots: Set<string> = new Set()): Record<string, unknown> {
  const mark = (value: unknown): unknown => {
    if (typeof value === 'string') return looksLikeSecretValue(value) ? secret(value) : value;
    if (Array.isArray(value)) return value.map(mark);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) ? secret(v) : mark(v)]));
    return value;
  };
  // Workload keys name credentials rather than hold them: `oauth_creds: my_oauth_credentials` is not
  // a secret, so their first level is judged by value shape only (deeper keys as usual).
  const markByShape = (value: unknown) => (isRecord(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mark(v)])) : mark(value));
  return Object.fromEntries(
    Object.entries(context).map(([k, v]) => {
      if (secretRoots.has(k)) return [k, secret(v)];
      if (k === 'workload' && plainRoots.has(k)) return [k, markByShape(v)];
      return [k, !plainRoots.has(k) && isSecretKey(k) ? secret(v) : mark(v)];
    }),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
