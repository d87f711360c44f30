/**
 * Resolving a playbook's `keychain:` section for one execution: entries in dependency order
 * (an entry using `{{ keychain.other.x }}` after `other`), each served from the keychain when
 * a valid entry exists (renewed if due), else fetched by its kind and stored. Templates render
 * Jinja2-compatibly with the workload (`workload.x` and bare `x`) and the entries so far.
 * A dry run only plans: order, kind, scope, cache key, what would be fetched.
 */
import { randomUUID } from 'node:crypto';
import { CliError, ExitCode, usageError } from '../core/errors.js';
import type { KeySet } from '../core/envelope.js';
import { isTemplate, renderValue, secret, TemplateError, workloadContext } from '../core/jinja.js';
import { isScopeType, refreshMarginSeconds, type ScopeRef, type ScopeType } from '../core/scope.js';
import { parseYaml } from '../core/structured.js';
import { templateReferences } from '../core/templates.js';
import { checkRenewConfig, getKeychainEntry, keychainCacheKey, setKeychainEntry, type CacheType, type KeychainData } from './keychain.js';
import { isProviderName, ProviderError, type Providers } from './providers/index.js';
import { DEFAULT_RENEW_TIMEOUT_MS, RenewError, requestToken, type RenewConfig } from './renew.js';
import type { Store } from './store.js';

export const KEYCHAIN_KINDS = ['oauth2', 'http', 'credential', 'static', 'bearer', 'secret_manager', 'secrets', 'google_id_token'] as const;
export type KeychainKind = (typeof KEYCHAIN_KINDS)[number];

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
  if (!Array.isArray(section)) throw usageError('the keychain section must be a list of entries (- name: …)');
  const specs: KeychainSpec[] = [];
  const seen = new Set<string>();
  section.forEach((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw usageError(`keychain entry #${i + 1} is not a mapping`);
    const { name, kind: kindField, type, scope: scopeField, ...fields } = raw as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw usageError(`keychain entry #${i + 1} has no name`);
    if (seen.has(name)) throw usageError(`keychain entry '${name}' is defined twice`);
    seen.add(name);
    const kind = kindField ?? type;
    if (typeof kind !== 'string' || !(KEYCHAIN_KINDS as readonly string[]).includes(kind)) {
      throw usageError(`keychain entry '${name}': kind '${String(kind)}' is not supported; supported kinds: ${KEYCHAIN_KINDS.join(', ')}`);
    }
    const scope = scopeField ?? 'global';
    if (typeof scope !== 'string' || !isScopeType(scope)) throw usageError(`keychain entry '${name}': scope '${String(scope)}' is not one of global, catalog, local, shared`);
    specs.push({ name, kind: kind as KeychainKind, scope, fields, dependsOn: keychainReferences(fields) });
  });
  for (const spec of specs) {
    for (const dep of spec.dependsOn) {
      if (!seen.has(dep)) throw usageError(`keychain entry '${spec.name}' refers to keychain.${dep}, which the keychain section does not define`);
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

/** Dependency order, stable (file order among independent entries); a cycle is an error naming it. */
export function orderKeychain(specs: KeychainSpec[]): KeychainSpec[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const ordered: KeychainSpec[] = [];
  const visit = (spec: KeychainSpec, path: string[]) => {
    if (state.get(spec.name) === 'done') return;
    if (state.get(spec.name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(spec.name)), spec.name];
      throw usageError(`keychain entries depend on each other in a cycle: ${cycle.join(' → ')}`);
    }
    state.set(spec.name, 'visiting');
    for (const dep of spec.dependsOn) visit(byName.get(dep)!, [...path, spec.name]);
    state.set(spec.name, 'done');
    ordered.push(spec);
  };
  for (const spec of specs) visit(spec, []);
  return ordered;
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
      if (!keys) throw new CliError('resolving a keychain needs the master key', ExitCode.usage);
      const context = workloadContext(workload, { keychain: result.keychain, execution_id: input.executionId, catalog_id: input.catalogId, job });
      const outcome = await resolveEntry(store, keys, spec, ref, context, input);
      entry.status = outcome.status;
      entry.expires_at = outcome.expiresAt;
      result.keychain[spec.name] = outcome.data;
      result.warnings.push(...outcome.warnings);
    } catch (err) {
      if (!(err instanceof CliError || err instanceof TemplateError || err instanceof ProviderError)) throw err;
      if (err instanceof RenewError) result.warnings.push(...err.warnings);
      entry.status = 'failed';
      entry.error = err instanceof RenewError ? err.message : `KEYCHAIN: Entry '${spec.name}' (${spec.kind}): ${err.message}`;
      failed.add(spec.name);
    }
  }
  return result;
}

function parsePlaybook(text: string): Record<string, unknown> {
  const document = parseYaml(text, 'the playbook');
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw usageError('the playbook is not a YAML mapping');
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
  const f = spec.fields;
  switch (spec.kind) {
    case 'oauth2':
    case 'http':
      return `${String(f.method ?? 'POST').toUpperCase()} ${await preview(f.endpoint, context)}${spec.kind === 'oauth2' && f.auto_renew ? ' (auto-renew)' : ''}`;
    case 'credential':
      return `credential ${await preview(f.credential ?? f.ref, context)}`;
    case 'static':
    case 'bearer':
      return f.credential !== undefined
        ? `credential ${await preview(f.credential, context)}`
        : `values from the playbook (${Object.keys(mapOf(f) ?? { token: '' }).join(', ')})`;
    case 'secret_manager':
    case 'secrets': {
      const map = mapOf(f) ?? {};
      const paths = await Promise.all(Object.entries(map).map(async ([k, v]) => `${k} ← ${await preview(v, context)}`));
      return `${String(f.provider)} secrets: ${paths.join(', ')}${f.auth !== undefined ? ` (auth ${await preview(f.auth, context)})` : ''}`;
    }
    case 'google_id_token': {
      const account =
        f.service_account_credential !== undefined
          ? `credential ${await preview(f.service_account_credential, context)}`
          : `gcp secret ${await preview(f.service_account_secret, context)}${f.auth !== undefined ? ` (auth ${await preview(f.auth, context)})` : ''}`;
      return `Google ID token for ${await preview(f.target_audience, context)}, service account from ${account}`;
    }
  }
}

function mapOf(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  const map = fields.map;
  return map !== null && typeof map === 'object' && !Array.isArray(map) ? (map as Record<string, unknown>) : undefined;
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
  const fetched = await fetchByKind(store, keys, spec, fields, timeoutMs, input.providers);
  const ttlField = fields.ttl_seconds ?? fields.ttl;
  const ttlSeconds = ttlField === undefined ? fetched.ttlSeconds : Number(ttlField);
  if (ttlSeconds !== undefined && !(ttlSeconds > 0)) throw usageError(`ttl_seconds must be a positive number of seconds`);
  const autoRenew = spec.kind === 'oauth2' && fields.auto_renew === true;
  const set = await setKeychainEntry(store, keys, {
    name: spec.name,
    ref,
    data: fetched.data,
    ttlSeconds,
    credentialType: fetched.credentialType,
    cacheType: fetched.cacheType,
    schema: isMapping(fields.schema) ? fields.schema : undefined,
    autoRenew,
    renewConfig: autoRenew ? checkRenewConfig(renewConfigOf(fields), spec.name) : undefined,
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
    if (isTemplate(value)) throw usageError(`${path || 'a field'} still holds a template after rendering ('${leftover}'): give that workload value with --workload`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertRendered(v, name, `${path}[${i}]`));
  } else if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) assertRendered(v, name, path ? `${path}.${k}` : k);
  }
}

function renewConfigOf(fields: Record<string, unknown>): RenewConfig {
  const config: Record<string, unknown> = { endpoint: fields.endpoint, method: fields.method ?? 'POST' };
  for (const k of ['headers', 'data', 'token_field', 'ttl_field', 'refresh_margin_seconds', 'timeout_seconds', 'allow_insecure_http']) {
    if (fields[k] !== undefined) config[k] = fields[k];
  }
  return config as unknown as RenewConfig;
}

interface Fetched {
  data: KeychainData;
  ttlSeconds?: number;
  credentialType: string;
  cacheType: CacheType;
}

async function fetchByKind(
  store: Store,
  keys: KeySet,
  spec: KeychainSpec,
  fields: Record<string, unknown>,
  timeoutMs: number,
  providers: Providers,
): Promise<Fetched> {
  switch (spec.kind) {
    case 'oauth2':
    case 'http': {
      if (typeof fields.endpoint !== 'string') throw usageError('needs endpoint: the URL to call');
      const config = checkRenewConfig(renewConfigOf(fields), spec.name);
      try {
        const { tokenData, ttlSeconds } = await requestToken(spec.name, config, { timeoutMs, requireTokenField: spec.kind === 'oauth2' });
        return { data: tokenData, ttlSeconds, credentialType: spec.kind, cacheType: 'token' };
      } catch (err) {
        // A first fetch is not a renewal: report the reason under the entry's name.
        if (err instanceof RenewError) throw new CliError(err.reason, ExitCode.failure);
        throw err;
      }
    }
    case 'credential':
      return fromCredential(store, keys, fields.credential ?? fields.ref);
    case 'static':
    case 'bearer': {
      if (fields.credential !== undefined) return fromCredential(store, keys, fields.credential);
      const map = mapOf(fields);
      if (map) return { data: map, credentialType: spec.kind, cacheType: 'secret' };
      if (spec.kind === 'bearer' && typeof fields.token === 'string') return { data: { token: fields.token }, credentialType: 'bearer', cacheType: 'token' };
      throw usageError(`needs map: (the values) or credential: (a stored credential's name)`);
    }
    case 'secret_manager':
    case 'secrets': {
      if (!isProviderName(fields.provider)) throw usageError(`provider '${String(fields.provider)}' is not one of gcp, aws, azure`);
      const map = mapOf(fields);
      if (!map || Object.keys(map).length === 0) throw usageError('needs map: field → secret path');
      const auth = fields.auth === undefined ? undefined : (await fromCredential(store, keys, fields.auth)).data;
      const provider = providers[fields.provider];
      const data: KeychainData = {};
      for (const [key, path] of Object.entries(map)) {
        if (typeof path !== 'string' || path === '') throw usageError(`map.${key} must be a secret path`);
        data[key] = await provider.fetchSecret({ path, auth, timeoutMs });
      }
      return { data, credentialType: 'secret_manager', cacheType: 'secret' };
    }
    case 'google_id_token': {
      if (typeof fields.target_audience !== 'string' || fields.target_audience === '') throw usageError('needs target_audience: the URL of the service the token is for');
      const serviceAccount = await serviceAccountOf(store, keys, fields, providers, timeoutMs);
      const { idToken, ttlSeconds } = await providers.gcp.fetchIdToken({ serviceAccount, audience: fields.target_audience, timeoutMs });
      // A signed assertion cannot be replayed from a renew_config: the entry expires a
      // refresh margin before the token does, and the next resolve mints a new one.
      const lifetime = ttlSeconds ?? 3600;
      return {
        data: { id_token: idToken, token_type: 'Bearer', target_audience: fields.target_audience },
        ttlSeconds: Math.max(1, Math.floor(lifetime - refreshMarginSeconds(lifetime))),
        credentialType: 'google_id_token',
        cacheType: 'token',
      };
    }
  }
}

/** The service-account key of a google_id_token entry: from a stored credential, or from GCP Secret Manager. */
async function serviceAccountOf(store: Store, keys: KeySet, fields: Record<string, unknown>, providers: Providers, timeoutMs: number): Promise<Record<string, unknown>> {
  if (fields.service_account_credential !== undefined) {
    const { data } = await fromCredential(store, keys, fields.service_account_credential);
    return serviceAccountKey(data, `credential '${String(fields.service_account_credential)}'`);
  }
  if (typeof fields.service_account_secret !== 'string' || fields.service_account_secret === '') {
    throw usageError('needs service_account_credential (a stored credential) or service_account_secret (a GCP secret path, with auth)');
  }
  const auth = fields.auth === undefined ? undefined : (await fromCredential(store, keys, fields.auth)).data;
  const text = await providers.gcp.fetchSecret({ path: fields.service_account_secret, auth, timeoutMs });
  return serviceAccountKey(text, `secret ${fields.service_account_secret}`);
}

/** A service-account key JSON (client_email, private_key), given as an object, as JSON text, or as JSON text in one field of an object. */
function serviceAccountKey(value: unknown, where: string): Record<string, unknown> {
  const isKey = (v: unknown): v is Record<string, unknown> => isMapping(v) && typeof v.client_email === 'string' && typeof v.private_key === 'string';
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  if (isKey(value)) return value;
  if (typeof value === 'string' && isKey(parse(value))) return parse(value) as Record<string, unknown>;
  if (isMapping(value)) {
    for (const v of Object.values(value)) if (typeof v === 'string' && isKey(parse(v))) return parse(v) as Record<string, unknown>;
  }
  throw usageError(`${where} is not a service-account key (JSON with client_email and private_key)`);
}

async function fromCredential(store: Store, keys: KeySet, name: unknown): Promise<Fetched> {
  if (typeof name !== 'string' || name === '') throw usageError('needs credential: the name of a stored credential');
  const { getCredential } = await import('./credential.js');
  const credential = await getCredential(store, keys, name);
  return { data: credential.data, credentialType: credential.type, cacheType: 'secret' };
}
