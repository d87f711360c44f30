/**
 * Keychain scopes (DESIGN.md "Decisions"): who may see an entry, how its cache key is
 * built, and how long it lives by default. Pure functions, no I/O.
 */
import { invalidError } from './errors.js';

export type ScopeType = 'global' | 'catalog' | 'local' | 'shared';
export const SCOPE_TYPES: readonly ScopeType[] = ['global', 'catalog', 'local', 'shared'];

/** Where an entry lives: its playbook and, for local/shared, its execution (tree). */
export interface ScopeRef {
  scope: ScopeType;
  catalogId: string;
  /** The execution that owns a local entry, or that created/reads a shared one. */
  executionId?: string;
  /** The root of the execution tree a shared entry belongs to (defaults to executionId). */
  rootExecutionId?: string;
}

export function isScopeType(text: string): text is ScopeType {
  return (SCOPE_TYPES as readonly string[]).includes(text);
}

/** True for the scopes bound to an execution (local, shared). */
export function scopeNeedsExecution(scope: ScopeType): boolean {
  return scope === 'local' || scope === 'shared';
}

/** The root a shared entry is keyed by: the explicit root, or the execution itself. */
export function sharedRoot(ref: ScopeRef): string | undefined {
  return ref.rootExecutionId ?? ref.executionId;
}

/**
 * The seeds' cache keys: `{name}:{catalog_id}:global`, `{name}:{catalog_id}:catalog`,
 * `{name}:{catalog_id}:{execution_id}` (local), `{name}:{catalog_id}:shared:{root_execution_id}`.
 */
export function cacheKey(name: string, ref: ScopeRef): string {
  switch (ref.scope) {
    case 'global':
    case 'catalog':
      return `${name}:${ref.catalogId}:${ref.scope}`;
    case 'local':
      if (!ref.executionId) throw invalidError('a local keychain entry needs an execution id');
      return `${name}:${ref.catalogId}:${ref.executionId}`;
    case 'shared': {
      const root = sharedRoot(ref);
      if (!root) throw invalidError('a shared keychain entry needs an execution id');
      return `${name}:${ref.catalogId}:shared:${root}`;
    }
  }
}

export const LOCAL_TTL_SECONDS = 3600;
export const DEFAULT_TTL_SECONDS = 86400;

/** Default TTL: 3600 s for local, 86400 s for global, catalog and shared. */
export function defaultTtlSeconds(scope: ScopeType): number {
  return scope === 'local' ? LOCAL_TTL_SECONDS : DEFAULT_TTL_SECONDS;
}

/** An execution asking for entries: its own id and the root of its tree (itself when it is the root). */
export interface Reader {
  catalogId: string;
  executionId?: string;
  rootExecutionId?: string;
}

/** What visibility depends on in a stored entry. */
export interface EntryScope {
  scope: ScopeType;
  catalogId: string;
  executionId?: string | null;
  /** For shared entries: the root execution of the tree. */
  rootExecutionId?: string | null;
}

/**
 * Visibility: global and catalog entries to every execution of their playbook; local to
 * its own execution only (not children, not siblings); shared to every execution whose
 * tree root is the entry's root.
 */
export function isVisibleTo(entry: EntryScope, reader: Reader): boolean {
  if (entry.catalogId !== reader.catalogId) return false;
  switch (entry.scope) {
    case 'global':
    case 'catalog':
      return true;
    case 'local':
      return reader.executionId !== undefined && entry.executionId === reader.executionId;
    case 'shared': {
      const root = reader.rootExecutionId ?? reader.executionId;
      return root !== undefined && entry.rootExecutionId === root;
    }
  }
}

/** Default refresh margin: max(60 s, 10% of the TTL). */
export const MIN_REFRESH_MARGIN_SECONDS = 60;
export const REFRESH_MARGIN_FRACTION = 0.1;

/**
 * How long before expiry an auto-renew entry is renewed: the configured margin, else
 * max(60 s, 10% of the TTL); never more than half the TTL, so a freshly renewed short-lived
 * token is not "due" again at once (which would renew on every read).
 */
export function refreshMarginSeconds(ttlSeconds: number, configured?: number): number {
  const wanted = configured ?? Math.max(MIN_REFRESH_MARGIN_SECONDS, REFRESH_MARGIN_FRACTION * ttlSeconds);
  return Math.max(0, Math.min(wanted, ttlSeconds / 2));
}

/** Whether an entry issued at `issuedAt` and expiring at `expiresAt` is due for renewal at `now`. */
export function isDueForRenewal(issuedAt: Date, expiresAt: Date, now: Date, configuredMargin?: number): boolean {
  const ttl = Math.max(0, (expiresAt.getTime() - issuedAt.getTime()) / 1000);
  const margin = refreshMarginSeconds(ttl, configuredMargin);
  return now.getTime() >= expiresAt.getTime() - margin * 1000;
}
