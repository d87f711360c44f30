/**
 * The templates group of NoetlClient: rendering a playbook's step templates as a worker
 * would for one execution (listing every reference that does not resolve, with its reason),
 * and resolving a playbook's keychain section. Wire types are snake_case; 64-bit ids are strings.
 */
import type { ScopeType } from '../core/scope.js';
import type { UnresolvedReason } from '../core/template-references.js';
import type { KeychainData } from './keychain.js';

export type { UnresolvedReason } from '../core/template-references.js';

export interface RenderRequest {
  /** The playbook YAML. */
  content: string;
  /** Where it came from, for messages and positions (`flows/a.yaml`); default "playbook". */
  source?: string;
  execution_id: string;
  /** Only this step (not_found when the playbook has none of that name). */
  step?: string;
  /** The playbook's catalog entry; default the latest version of its metadata.path. */
  catalog_id?: string;
  /** The root of the execution tree, for shared keychain entries; default the execution itself. */
  root_execution_id?: string;
  /** Secrets, and what templates derive from them, in clear; masked otherwise. */
  reveal?: boolean;
}

export interface RenderedTemplate {
  field: string;
  line: number;
  col: number;
  template: string;
  rendered: string | null;
  error: string | null;
}

export interface UnresolvedReference {
  step: string;
  field: string;
  line: number;
  col: number;
  reference: string;
  reason: UnresolvedReason;
  detail: string;
}

export interface RenderReport {
  playbook: string;
  execution_id: string;
  catalog_id: string | null;
  steps: { step: string; templates: RenderedTemplate[] }[];
  unresolved: UnresolvedReference[];
  /** Variables left out of the context because their name is a base key (workload, keychain, …). */
  conflicts: { name: string; type: string; source_step: string | null }[];
}

export type RenderResult = RenderReport & { warnings: string[] };

export interface KeychainResolveRequest {
  /** The playbook YAML. */
  content: string;
  /** Where it came from, for messages (`playbooks/travel.yaml`). */
  source?: string;
  /** The catalog entry to key the entries by, `path[@version]`; default the latest version of the playbook's metadata.path. */
  playbook?: string;
  /** The catalog entry to key the entries by, by id. */
  catalog_id?: string;
  execution_id: string;
  /** Root of the execution tree (shared entries); default the execution itself. */
  root_execution_id?: string;
  /** Workload values that override the playbook's (treated as secret). */
  workload?: Record<string, unknown>;
  /** Plan only: order, kind, scope, cache key, what would be fetched; nothing is contacted or stored. */
  dry_run?: boolean;
  /** HTTP timeout of each request (token endpoints, providers), at most 600 s. */
  timeout_seconds?: number;
  /** The resolved values in clear in `keychain`; masked otherwise. */
  reveal?: boolean;
}

export type ResolveStatus = 'cached' | 'renewed' | 'fetched' | 'planned' | 'failed' | 'skipped';

export interface ResolvedEntry {
  name: string;
  /** The kind as the playbook writes it (an id or alias of the kind registry). */
  kind: string;
  scope: ScopeType;
  cache_key: string;
  depends_on: string[];
  /** What is (or would be) fetched: "POST https://…/token", "credential pg_prod", "gcp secret projects/…". */
  source: string;
  status: ResolveStatus;
  expires_at?: string;
  error?: string;
}

export interface KeychainResolveResult {
  catalog_id: string;
  execution_id: string;
  root_execution_id: string;
  dry_run: boolean;
  entries: ResolvedEntry[];
  /** The resolved data by entry name, masked unless `reveal`. Empty on a dry run. */
  keychain: Record<string, KeychainData>;
  warnings: string[];
}

export interface TemplatesApi {
  /** Renders the step templates for one execution and lists every reference that does not resolve. */
  render(request: RenderRequest): Promise<RenderResult>;
  /**
   * Resolves (or, with dry_run, plans) a playbook's keychain section: an entry that fails is
   * reported `failed` and those depending on it `skipped`; the others still resolve.
   */
  resolveKeychain(request: KeychainResolveRequest): Promise<KeychainResolveResult>;
}
