/**
 * The keychain group over HTTP (API.md "Keychain"). A read answers 200 with a `status`:
 * ours and upstream Python's `success` with `token_data`, upstream Rust's `found` with `data`
 * and fewer fields; `expired` and `not_found` are results, not errors (a 404 carrying
 * `status: "not_found"` too). A playbook named by path is looked up in the catalog first:
 * the routes are keyed by catalog id.
 */
import type { CatalogApi } from '../../api/catalog.js';
import type {
  KeychainApi,
  KeychainGetResult,
  KeychainListEntry,
  KeychainOtherVersion,
  KeychainPurgeResult,
  KeychainRemoveResult,
  KeychainRenewResult,
  KeychainSelector,
  KeychainStats,
  ScopeType,
} from '../../api/keychain.js';
import { invalidError } from '../../core/errors.js';
import { keychainCacheKey } from '../../core/keychain-entry.js';
import type { Query, Transport } from './transport.js';
import { bool, defined, fieldsOf, id64, listOf, num, objOrNull, seg, str, strings, time, type Fields } from './wire.js';

/** The query naming an entry's scope (upstream servers read scope_type and execution_id; ours also the root of a shared entry's tree). */
function scopeQuery(selector: KeychainSelector): Query {
  return { scope_type: selector.scope ?? 'global', execution_id: selector.execution_id, root_execution_id: selector.root_execution_id };
}

function otherVersionsOf(value: unknown): KeychainOtherVersion[] {
  return listOf(value).map((v) => {
    const f = fieldsOf(v, 'a keychain answer');
    return { catalog_id: id64(f.catalog_id) ?? '', path: str(f.path), version: num(f.version), scope_type: str(f.scope_type, 'global') as ScopeType };
  });
}

function cacheKeyOf(f: Fields, name: string, catalogId: string, selector: KeychainSelector): string {
  if (typeof f.cache_key === 'string') return f.cache_key;
  const scope = selector.scope ?? 'global';
  return keychainCacheKey(name, { scope, catalogId, executionId: selector.execution_id, rootExecutionId: selector.root_execution_id });
}

function readResult(f: Fields, name: string, catalogId: string, selector: KeychainSelector): KeychainGetResult {
  const base = { keychain_name: str(f.keychain_name, name), catalog_id: id64(f.catalog_id) ?? catalogId, cache_key: cacheKeyOf(f, name, catalogId, selector) };
  const warnings = strings(f.warnings);
  const status = str(f.status);
  if (status === 'success' || status === 'found') {
    return {
      status: 'success',
      ...base,
      token_data: objOrNull(f.token_data ?? f.data) ?? {},
      credential_type: str(f.credential_type, 'generic'),
      cache_type: str(f.cache_type, 'token') as 'token' | 'secret',
      scope_type: str(f.scope_type, selector.scope ?? 'global') as ScopeType,
      expires_at: time(f.expires_at),
      ttl_seconds: num(f.ttl_seconds),
      accessed_at: time(f.accessed_at),
      access_count: num(f.access_count),
      auto_renew: bool(f.auto_renew),
      expired: false,
      renewed: bool(f.renewed),
      warnings,
    };
  }
  if (status === 'expired') {
    const renewConfig = objOrNull(f.renew_config);
    return {
      status: 'expired',
      ...base,
      expires_at: time(f.expires_at),
      auto_renew: bool(f.auto_renew),
      ...(renewConfig ? { renew_config: renewConfig as never } : {}),
      expired: true,
      warnings,
    };
  }
  if (status === 'not_found') {
    const elsewhere = listOf(f.elsewhere).map((e) => {
      const x = fieldsOf(e, 'a keychain answer');
      return { scope_type: str(x.scope_type) as ScopeType, execution_id: id64(x.execution_id), root_execution_id: id64(x.root_execution_id) };
    });
    return { status: 'not_found', ...base, elsewhere, other_versions: otherVersionsOf(f.other_versions), ...(f.version !== undefined && f.version !== null ? { version: num(f.version) } : {}), warnings };
  }
  throw invalidError(`the server answered a keychain read with status '${status.slice(0, 40)}', which this client does not know`);
}

function listEntryOf(f: Fields): KeychainListEntry {
  return {
    keychain_name: str(f.keychain_name),
    cache_key: str(f.cache_key),
    catalog_id: id64(f.catalog_id) ?? '',
    scope_type: str(f.scope_type, 'global') as ScopeType,
    execution_id: id64(f.execution_id),
    parent_execution_id: id64(f.parent_execution_id),
    credential_type: str(f.credential_type, 'generic'),
    cache_type: str(f.cache_type, 'token') as 'token' | 'secret',
    expires_at: time(f.expires_at),
    expired: bool(f.expired),
    auto_renew: bool(f.auto_renew),
    access_count: num(f.access_count),
    accessed_at: time(f.accessed_at),
    created_at: time(f.created_at),
  };
}

export function httpKeychain(transport: Transport, catalog: CatalogApi): KeychainApi {
  /** The catalog id a selector names: given, or looked up by playbook path. */
  const catalogIdOf = async (selector: { playbook?: string; catalog_id?: string }): Promise<string> =>
    selector.catalog_id !== undefined && selector.playbook === undefined ? selector.catalog_id : (await catalog.resolve({ playbook: selector.playbook, catalog_id: selector.catalog_id })).catalog_id;
  const entryPath = (catalogId: string, name: string) => `/api/keychain/${seg(catalogId)}/${seg(name)}`;

  return {
    async set(request) {
      const catalogId = await catalogIdOf(request);
      const scope = request.scope ?? 'global';
      const body: Record<string, unknown> = { token_data: request.data, scope_type: scope };
      if (request.credential_type !== undefined) body.credential_type = request.credential_type;
      if (request.cache_type !== undefined) body.cache_type = request.cache_type;
      if (request.execution_id !== undefined) body.execution_id = request.execution_id;
      if (request.root_execution_id !== undefined) body.parent_execution_id = request.root_execution_id;
      if (request.ttl_seconds !== undefined) body.ttl_seconds = request.ttl_seconds;
      if (request.expires_at !== undefined) body.expires_at = request.expires_at;
      if (request.auto_renew !== undefined) body.auto_renew = request.auto_renew;
      if (request.renew_config !== undefined) body.renew_config = request.renew_config;
      if (request.schema !== undefined) body.schema = request.schema;
      const f = fieldsOf(await transport.request('POST', entryPath(catalogId, request.name), { body }), 'a keychain write');
      return {
        status: 'success',
        message: str(f.message),
        keychain_name: str(f.keychain_name, request.name),
        catalog_id: id64(f.catalog_id) ?? catalogId,
        cache_key: cacheKeyOf(f, request.name, catalogId, request),
        scope_type: str(f.scope_type, scope) as ScopeType,
        expires_at: time(f.expires_at),
        ttl_seconds: num(f.ttl_seconds),
        auto_renew: bool(f.auto_renew),
        warnings: strings(f.warnings),
      };
    },

    async get(name, selector, options = {}) {
      const catalogId = await catalogIdOf(selector);
      const query: Query = {
        ...scopeQuery(selector),
        // A revealer's token gets data in clear unless it says reveal=false.
        reveal: options.reveal === true,
        ...(options.renew === false ? { renew: false } : {}),
        refresh_margin_seconds: options.refresh_margin_seconds,
        timeout_seconds: options.timeout_seconds,
      };
      const answer = await transport.request('GET', entryPath(catalogId, name), { query, notFoundIsAnswer: true });
      return readResult(fieldsOf(answer, 'a keychain read'), name, catalogId, selector);
    },

    async list(filter = {}) {
      const query: Query = { playbook: filter.playbook, catalog_id: filter.catalog_id, scope_type: filter.scope, execution_id: filter.execution_id, expired: filter.expired, name: filter.name };
      return listOf(await transport.request('GET', '/api/keychain', { query }), 'entries', 'items').map((e) => listEntryOf(fieldsOf(e, 'a keychain listing')));
    },

    async remove(names, selector) {
      if (!names.length) throw invalidError('name the keychain entries to delete');
      const catalogId = await catalogIdOf(selector);
      // Every name checked before anything is deleted: bad input deletes nothing.
      const keys = names.map((name) => cacheKeyOf({}, name, catalogId, selector));
      const results: KeychainRemoveResult[] = [];
      for (const [i, name] of names.entries()) {
        const f = fieldsOf(await transport.request('DELETE', entryPath(catalogId, name), { query: scopeQuery(selector), notFoundIsAnswer: true }), 'a keychain delete');
        const base = { keychain_name: str(f.keychain_name, name), catalog_id: id64(f.catalog_id) ?? catalogId, cache_key: str(f.cache_key, keys[i]) };
        if (str(f.status) === 'not_found') {
          const version = f.version !== undefined && f.version !== null ? { version: num(f.version) } : {};
          results.push({ status: 'not_found', message: str(f.message, `Keychain entry '${name}' not found`), ...base, other_versions: otherVersionsOf(f.other_versions), ...version });
        } else {
          results.push({ status: 'success', message: str(f.message, 'Keychain entry deleted successfully'), ...base });
        }
      }
      return results;
    },

    async renew(names, selector, options = {}) {
      if (!names.length) throw invalidError('name the keychain entries to renew');
      const body = { catalog_id: selector.catalog_id, playbook: selector.playbook, names, scope_type: selector.scope ?? 'global', execution_id: selector.execution_id, root_execution_id: selector.root_execution_id, timeout_seconds: options.timeout_seconds };
      return (await transport.request('POST', '/api/keychain/renew', { body: defined(body) })) as KeychainRenewResult;
    },

    async stats() {
      return (await transport.request('GET', '/api/keychain/stats')) as KeychainStats;
    },

    async purgeExpired(options = {}, onProgress) {
      const result = (await transport.request('POST', '/api/keychain/purge', { body: defined({ ...options }) })) as KeychainPurgeResult;
      // One request does every batch on the server: the progress is reported once, at the end.
      if (result.deleted > 0) onProgress?.(result.deleted);
      return result;
    },
  };
}

