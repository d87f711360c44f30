/**
 * Resolving a playbook's `keychain:` section for one execution: entries in declaration order
 * (an entry may use `{{ keychain.other.x }}` of entries above it only), each served from the
 * keychain when a valid entry exists (renewed if due), else fetched by its kind and stored.
 * What each kind is, needs and fetches is the kind registry's (src/core/keychain-kinds).
 * Templates render Jinja2-compatibly with the workload (`workload.x` and bare `x`) and the
 * entries so far.
 * A dry run only plans: order, kind, scope, cache key, what would be fetched.
 */
import { randomUUID } from 'node:crypto';
import { hasReason, invalidError, NoetlError } from '../../core/errors.js';
import type { KeySet } from '../../core/envelope.js';
import { isTemplate, renderValue, secret, TemplateError, workloadContext } from '../../core/jinja.js';
import { isScopeType, type ScopeRef, type ScopeType } from '../../core/scope.js';
import { parseYaml } from '../../core/structured.js';
import { templateReferences } from '../../core/templates.js';
import { checkRenewConfig, getKeychainEntry, keychainCacheKey, setKeychainEntry, type KeychainData } from './keychain.js';
import {
  checkEntryFields,
  declaredAfterMessage,
  findKeychainKind,
  KIND_KEY_ALIASES,
  KIND_KEYS,
  missingKindMessage,
  unknownKindMessage,
  type KeychainFetchIO,
  type KeychainKind as KindSpec,
} from '../../core/keychain-kinds/index.js';
import { ProviderError, type Providers } from './providers/index.js';
import { DEFAULT_RENEW_TIMEOUT_MS, requestToken } from './renew.js';
import type { Store } from './store.js';

/** A kind's name as the playbook writes it (an id or alias of the registry's). */
export type KeychainKind = string;

/** One entry of a playbook's keychain section, as written. */
export interface KeychainSpec {
  name: string;
  kind: KeychainKind;
  scope: ScopeType;
  /** The entry's other fields (templates unrendered). */
  fields: Record<string, unknown>;
  /** Names of the entries it refers to through `keychain.NAME`. */
  dependsOn: string[];
}

/** Reads and checks the keychain section (exit 2 on a malformed one); entries in file order. */
export function readKeychainSection(document: Record<string, unknown>): KeychainSpec[] {
  const section = document.keychain;
  if (section === undefined || section === null) return [];
  if (!Array.isArray(section)) throw invalidError('the keychain section must be a list of entries (- name: …)');
  const specs: KeychainSpec[] = [];
  const seen = new Set<string>();
  section.forEach((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidError(`keychain entry #${i + 1} is not a mapping`);
    const { name, scope: scopeField, ...rest } = raw as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw invalidError(`keychain entry #${i + 1} has no name`);
    if (seen.has(name)) throw invalidError(`keychain entry '${name}' is defined twice`);
    seen.add(name);
    const kindKey = KIND_KEYS.find((k) => rest[k] !== undefined && rest[k] !== null);
    const fields = Object.fromEntries(Object.entries(rest).filter(([k]) => !KIND_KEYS.includes(k)));
    if (kindKey === undefined) throw invalidError(missingKindMessage(`keychain entry '${name}'`, KIND_KEY_ALIASES.find((k) => rest[k] != null)));
    const kind = rest[kindKey];
    if (typeof kind !== 'string' || !findKeychainKind(kind)) throw invalidError(`keychain entry '${name}': ${unknownKindMessage(String(kind))}`);
    const scope = scopeField ?? 'global';
    if (typeof scope !== 'string' || !isScopeType(scope)) throw invalidError(`keychain entry '${name}': scope '${String(scope)}' is not one of global, catalog, local, shared`);
    specs.push({ name, kind, scope, fields, dependsOn: keychainReferences(fields) });
  });
  for (const spec of specs) {
    for (const dep of spec.dependsOn) {
      if (!seen.has(dep)) throw invalidError(`keychain entry '${spec.name}' refers to keychain.${dep}, which the keychain section does not define`);
    }
  }
  return specs;
}

function keychainReferences(value: unknown, into = new Set<string>()): string[] {
  if (typeof value === 'string') {
    for (const ref of templateReferences(value)) if (ref.root === 'keychain' && ref.path[0]) into.add(ref.path[0].name);
  } else if (Array.isArray(value)) {
    for (const v of value) keychainReferences(v, into);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) keychainReferences(v, into);
  }
  return [...into];
}

/**
 * The order entries resolve in: as declared (see declaredAfterMessage), so an entry using one
 * declared below it is an error, as lint's keychain-order says; a cycle is an error naming it.
 */
export function orderKeychain(specs: KeychainSpec[]): KeychainSpec[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  // A cycle is named as such first: each of its entries also uses one declared after it.
  const visit = (spec: KeychainSpec, path: string[]) => {
    if (state.get(spec.name) === 'done') return;
    if (state.get(spec.name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(spec.name)), spec.name];
      throw invalidError(`keychain entries depend on each other in a cycle: ${cycle.join(' → ')}`);
    }
    state.set(spec.name, 'visiting');
    for (const dep of spec.dependsOn) visit(byName.get(dep)!, [...path, spec.name]);
    state.set(spec.name, 'done');
  };
  for (const spec of specs) visit(spec, []);
  const position = new Map(specs.map((s, i) => [s.name, i]));
  specs.forEach((spec, i) => {
    const later = spec.dependsOn.find((dep) => position.get(dep)! > i);
    if (later !== undefined) throw invalidError(declaredAfterMessage(spec.name, later));
  });
  return specs;
}

export interface ResolveInput {
  /** The playbook YAML. */
  playbook: string;
  catalogId: string;
  executionId: string;
  /** Root of the execution tree (shared entries); default: the execution itself. */
  rootExecutionId?: string;
  /** Workload values that override the playbook's. */
  workload?: Record<string, unknown>;
  dryRun?: boolean;
  providers: Providers;
  /** HTTP timeout of each request (token endpoints, providers). */
  timeoutMs?: number;
}

export type ResolveStatus = 'cached' | 'renewed' | 'fetched' | 'planned' | 'failed' | 'skipped';

export interface ResolvedEntry {
  name: string;
  kind: KeychainKind;
  scope: ScopeType;
  cache_key: string;
  depends_on: string[];
  /** What is (or would be) fetched: "POST https://…/token", "credential pg_prod", "gcp secret projects/…". */
  source: string;
  status: ResolveStatus;
  expires_at?: string;
  error?: string;
}

export interface ResolveResult {
  catalog_id: string;
  execution_id: string;
  root_execution_id: string;
  dry_run: boolean;
  entries: ResolvedEntry[];
  /** The resolved data by entry name (never printed by the CLI). Empty on a dry run. */
  keychain: Record<string, KeychainData>;
  warnings: string[];
}

/**
 * Resolves (or, with dryRun, plans) a playbook's keychain section. An entry that fails is
 * reported `failed` with its reason, and entries depending on it `skipped`; the others still
 * resolve. Structural problems (unknown kind, cycle, unknown reference) throw before anything.
 */
export async function resolveKeychain(store: Store, keys: KeySet | undefined, input: ResolveInput): Promise<ResolveResult> {
  const document = parsePlaybook(input.playbook);
  const specs = orderKeychain(readKeychainSection(document));
  const rootExecutionId = input.rootExecutionId ?? input.executionId;
  const workloadSection = document.workload;
  // Values given apart from the playbook (--workload, read like any secret input) are secret:
  // the plan's previews mask what is derived from them; entries are rendered with them as they are.
  const workload = {
    ...(workloadSection && typeof workloadSection === 'object' && !Array.isArray(workloadSection) ? (workloadSection as Record<string, unknown>) : {}),
    ...Object.fromEntries(Object.entries(input.workload ?? {}).map(([k, v]) => [k, secret(v)])),
  };
  const result: ResolveResult = {
    catalog_id: input.catalogId,
    execution_id: input.executionId,
    root_execution_id: rootExecutionId,
    dry_run: Boolean(input.dryRun),
    entries: [],
    keychain: {},
    warnings: [],
  };
  const job = { uuid: randomUUID(), execution_id: input.executionId };
  const failed = new Set<string>();
  for (const spec of specs) {
    const ref = scopeRef(spec.scope, input.catalogId, input.executionId, rootExecutionId);
    const entry: ResolvedEntry = {
      name: spec.name,
      kind: spec.kind,
      scope: spec.scope,
      cache_key: keychainCacheKey(spec.name, ref),
      depends_on: spec.dependsOn,
      source: await describeSource(spec, workloadContext(workload, { execution_id: input.executionId, catalog_id: input.catalogId, job })),
      status: 'planned',
    };
    result.entries.push(entry);
    if (input.dryRun) continue;
    const blocked = spec.dependsOn.filter((d) => failed.has(d));
    if (blocked.length) {
      entry.status = 'skipped';
      entry.error = `KEYCHAIN: Entry '${spec.name}' (${spec.kind}): not resolved: it depends on ${blocked.map((b) => `'${b}'`).join(', ')}, which failed`;
      failed.add(spec.name);
      continue;
    }
    try {
      if (!keys) throw new NoetlError('invalid', 'resolving a keychain needs the master key');
      const context = workloadContext(workload, { keychain: result.keychain, execution_id: input.executionId, catalog_id: input.catalogId, job });
      const outcome = await resolveEntry(store, keys, spec, ref, context, input);
      entry.status = outcome.status;
      entry.expires_at = outcome.expiresAt;
      result.keychain[spec.name] = outcome.data;
      result.warnings.push(...outcome.warnings);
    } catch (err) {
      if (!(err instanceof NoetlError || err instanceof TemplateError || err instanceof ProviderError)) throw err;
      if (hasReason(err, 'renew-failed')) result.warnings.push(...err.warnings);
      entry.status = 'failed';
      entry.error = hasReason(err, 'renew-failed') ? err.message : `KEYCHAIN: Entry '${spec.name}' (${spec.kind}): ${err.message}`;
      failed.add(spec.name);
    }
  }
  return result;
}

function parsePlaybook(text: string): Record<string, unknown> {
  const document = parseYaml(text, 'the playbook');
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw invalidError('the playbook is not a YAML mapping');
  return document as Record<string, unknown>;
}

function scopeRef(scope: ScopeType, catalogId: string, executionId: string, rootExecutionId: string): ScopeRef {
  if (scope === 'local') return { scope, catalogId, executionId };
  if (scope === 'shared') return { scope, catalogId, executionId, rootExecutionId };
  return { scope, catalogId };
}

/**
 * A field rendered when it can be without other keychain entries, as written otherwise; what
 * derives from a secret workload value is masked. Templates run sandboxed (src/core/jinja.ts):
 * a plan, even of an untrusted playbook, has no effect.
 */
async function preview(value: unknown, context: Record<string, unknown>): Promise<string> {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (typeof value !== 'string' || !isTemplate(value)) return text;
  try {
    return await renderValue(value, context, { maskSecrets: true });
  } catch (err) {
    if (err instanceof TemplateError) return text;
    throw err;
  }
}

async function describeSource(spec: KeychainSpec, context: Record<string, unknown>): Promise<string> {
  return kindOf(spec).describe(spec.fields, (value) => preview(value, context), spec.name);
}

/** The registry's kind of a spec (readKeychainSection admitted only known kinds). */
function kindOf(spec: KeychainSpec): KindSpec {
  return findKeychainKind(spec.kind)!;
}

interface EntryOutcome {
  status: 'cached' | 'renewed' | 'fetched';
  data: KeychainData;
  expiresAt: string;
  warnings: string[];
}

async function resolveEntry(
  store: Store,
  keys: KeySet,
  spec: KeychainSpec,
  ref: ScopeRef,
  context: Record<string, unknown>,
  input: ResolveInput,
): Promise<EntryOutcome> {
  const timeoutMs = input.timeoutMs ?? DEFAULT_RENEW_TIMEOUT_MS;
  // A valid entry is served (and renewed when due): one fetch serves every execution in scope.
  const cached = await getKeychainEntry(store, keys, spec.name, ref, { timeoutMs });
  if (cached.response.status === 'success') {
    return {
      status: cached.response.renewed ? 'renewed' : 'cached',
      data: cached.response.token_data,
      expiresAt: cached.response.expires_at,
      warnings: cached.warnings,
    };
  }
  const fields = await renderValue(spec.fields, context);
  assertRendered(fields, spec.name);
  const kind = kindOf(spec);
  checkEntryFields(kind, fields);
  // auto_renew counts only on a kind that can be renewed (lint's keychain-auto-renew says the same).
  const renews = kind.renewal !== undefined && fields.auto_renew === true;
  const fetched = await kind.fetch({ name: spec.name, fields, autoRenew: renews }, fetchIO(store, keys, spec.name, timeoutMs, input.providers));
  const ttlSeconds = fields.ttl_seconds === undefined ? fetched.ttlSeconds : Number(fields.ttl_seconds);
  if (ttlSeconds !== undefined && !(ttlSeconds > 0)) throw invalidError(`ttl_seconds must be a positive number of seconds`);
  // A renew_config kind is renewed by whoever reads the entry; a minted one by resolve only (its expiry is set by its fetch).
  const autoRenew = renews && kind.renewal === 'renew_config';
  const set = await setKeychainEntry(store, keys, {
    name: spec.name,
    ref,
    data: fetched.data,
    ttlSeconds,
    credentialType: fetched.credentialType,
    cacheType: fetched.cacheType,
    schema: isMapping(fields.schema) ? fields.schema : undefined,
    autoRenew,
    renewConfig: autoRenew ? checkRenewConfig(kind.renewConfig!(fields), spec.name) : undefined,
  });
  return { status: 'fetched', data: fetched.data, expiresAt: set.expires_at, warnings: [] };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A workload value that is itself an unrendered template (`{{ payload.email }}`) must not be sent anywhere. */
function assertRendered(value: unknown, name: string, path = ''): void {
  if (typeof value === 'string') {
    // Name only the leftover template syntax: the rest of the string may hold a rendered secret.
    const leftover = /\{\{[^}]*\}\}|\{%[^%]*%\}/.exec(value)?.[0] ?? '{{ … }}';
    if (isTemplate(value)) throw invalidError(`${path || 'a field'} still holds a template after rendering ('${leftover}'): give that workload value with --workload`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertRendered(v, name, `${path}[${i}]`));
  } else if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) assertRendered(v, name, path ? `${path}.${k}` : k);
  }
}

/** The I/O a kind's fetch does: credentials from the store, token requests, provider clients; all with the timeout. */
function fetchIO(store: Store, keys: KeySet, name: string, timeoutMs: number, providers: Providers): KeychainFetchIO {
  return {
    async credential(credentialName) {
      const { getCredential } = await import('../local/credentials.js');
      const { type, data } = await getCredential(store, keys, credentialName);
      return { type, data };
    },
    async tokenRequest(request, { requireTokenField }) {
      try {
        return await requestToken(name, checkRenewConfig(request, name), { timeoutMs, requireTokenField });
      } catch (err) {
        // A first fetch is not a renewal: report the reason under the entry's name.
        if (hasReason(err, 'renew-failed')) throw new NoetlError('unavailable', err.details[0] ?? err.message);
        throw err;
      }
    },
    secret: (provider, path, auth) => providers[provider].fetchSecret({ path, auth, timeoutMs }),
    googleIdToken: (serviceAccount, audience) => providers.gcp.fetchIdToken({ serviceAccount, audience, timeoutMs }),
  };
}
