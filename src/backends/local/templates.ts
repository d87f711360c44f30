/**
 * The templates group of the local client: render (render.ts) and resolving a playbook's
 * keychain section (keychain-resolve.ts), with the catalog entry the keychain is keyed by
 * found here, and the resolved values masked unless asked for in clear.
 */
import type { KeychainResolveRequest, TemplatesApi } from '../../api/templates.js';
import { notFoundError } from '../../core/errors.js';
import { fingerprintKeyFrom, maskValue } from '../../core/mask.js';
import type { Store } from '../sql/store.js';
import type { LocalClientDeps } from './index.js';
import { catalogIdOf } from './keychain.js';
import { renderPlaybook } from './render.js';
import { timeoutMsOf } from './renew/renew.js';

/** The catalog id a resolve keys its entries by: the one named, else the latest version of the playbook's metadata.path. */
async function resolveCatalogId(store: Store, request: KeychainResolveRequest, warnings: string[]): Promise<string> {
  if (request.playbook !== undefined || request.catalog_id !== undefined) return catalogIdOf(store, request);
  const source = request.source ?? 'the playbook';
  const [{ getCatalogByPath }, { readPlaybookIdentity }] = await Promise.all([import('../sql/catalog.js'), import('../../core/playbook-identity.js')]);
  const { path } = readPlaybookIdentity(request.content, source);
  const latest = await getCatalogByPath(store, path);
  if (!latest) {
    throw notFoundError(`playbook ${path} is not registered (its catalog id keys the entries)`, {
      hint: { command: `catalog register ${request.source ?? 'FILE'}`, text: 'first' },
    });
  }
  if (latest.content !== request.content) warnings.push(`${source} differs from the registered ${path} version ${latest.version}; entries are keyed by its catalog id ${latest.catalog_id}`);
  return latest.catalog_id;
}

export function localTemplates(deps: LocalClientDeps): TemplatesApi {
  const { store } = deps;
  return {
    render: (request) => renderPlaybook(store, deps.keys, request),

    async resolveKeychain(request) {
      const timeoutMs = timeoutMsOf(request.timeout_seconds);
      const warnings: string[] = [];
      const catalogId = await resolveCatalogId(store, request, warnings);
      // A dry run decrypts and seals nothing: no key is loaded.
      const keys = request.dry_run ? undefined : await deps.keys('write');
      const { resolveKeychain } = await import('./keychain-resolve.js');
      const providers = deps.providers ?? (await import('./renew/providers/index.js')).defaultProviders();
      const result = await resolveKeychain(store, keys, {
        playbook: request.content,
        catalogId,
        executionId: request.execution_id,
        rootExecutionId: request.root_execution_id,
        workload: request.workload,
        dryRun: request.dry_run,
        providers,
        timeoutMs,
      });
      const keychain = request.reveal || !keys ? result.keychain : (maskValue(result.keychain, fingerprintKeyFrom(keys.current.key)) as typeof result.keychain);
      return { ...result, keychain, warnings: [...warnings, ...result.warnings] };
    },
  };
}
