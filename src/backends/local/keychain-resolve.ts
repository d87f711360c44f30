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
import type { KeychainData } from '../../api/keychain.js';
import type { KeychainResolveResult, ResolvedEntry } from '../../api/templates.js';
import type { KeySet } from '../../core/envelope.js';
import { hasReason, invalidError, NoetlError } from '../../core/errors.js';
import { isTemplate, renderValue, secret, TemplateError, workloadContext } from '../../core/jinja.js';
import { keychainCacheKey } from '../../core/keychain-entry.js';
import { checkEntryFields, findKeychainKind, type KeychainFetchIO, type KeychainKind as KindSpec } from '../../core/keychain-kinds/index.js';
import { orderKeychain, parsePlaybookDocument, readKeychainSection, type KeychainSpec } from '../../core/keychain-section.js';
import type { ScopeRef, ScopeType } from '../../core/scope.js';
import type { Store } from '../sql/store.js';
import { checkRenewConfig, getKeychainEntry, setKeychainEntry } from './keychain-entries.js';
import type { Providers } from './renew/providers/index.js';
import { DEFAULT_RENEW_TIMEOUT_MS, requestToken } from './renew/renew.js';

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

/** The result with the resolved data in clear (the client masks it unless asked to reveal). */
export type ResolveResult = KeychainResolveResult;

/**
 * Resolves (or, with dryRun, plans) a playbook's keychain section. An entry that fails is
 * reported `failed` with its reason, and entries depending on it `skipped`; the others still
 * resolve. Structural problems (unknown kind, cycle, unknown reference) throw before anything.
 */
export async function resolveKeychain(store: Store, keys: KeySet | undefined, input: ResolveInput): Promise<ResolveResult> {
  const document = parsePlaybookDocument(input.playbook);
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
      if (!(err instanceof NoetlError || err instanceof TemplateError)) throw err;
      if (hasReason(err, 'renew-failed')) result.warnings.push(...err.warnings);
      entry.status = 'failed';
      entry.error = hasReason(err, 'renew-failed') ? err.message : `KEYCHAIN: Entry '${spec.name}' (${spec.kind}): ${err.message}`;
      failed.add(spec.name);
    }
  }
  return result;
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
    if (isTemplate(value)) throw invalidError(`${path || 'a field'} still holds a template after rendering ('${leftover}'): give that value in the workload`);
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
      const { getCredential } = await import('./credentials.js');
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
