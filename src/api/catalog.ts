/** The catalog group of NoetlClient: the playbook catalog the keychain refers to. Wire types are snake_case (API.md). */

/** A registered playbook version. `catalog_id` is a 64-bit id as a decimal string. */
export interface CatalogEntry {
  catalog_id: string;
  path: string;
  version: number;
  kind: string;
  /** RFC 3339 UTC. */
  created_at: string;
}

export interface CatalogEntryWithContent extends CatalogEntry {
  /** The playbook YAML as registered. */
  content: string;
}

/** What registering returns: the entry, and whether it already held exactly this content (no new version). */
export interface RegisteredEntry extends CatalogEntry {
  unchanged: boolean;
}

export interface RegisterPlaybookInput {
  /** The playbook YAML; its metadata.path is the catalog path. */
  content: string;
  /** Where the content came from (a file name, `stdin`), for messages. */
  source?: string;
}

export interface CatalogListFilter {
  /** Only this path (every version). */
  path?: string;
  /** Only the latest version of each path. */
  latest?: boolean;
}

/** How an operation names a playbook: by `PATH[@VERSION]` (latest version by default) or by catalog id; exactly one. */
export interface PlaybookSelector {
  playbook?: string;
  catalog_id?: string;
}

export interface CatalogApi {
  /**
   * Registers a playbook as the next version of its metadata.path (1 for a new path). Content
   * identical to the latest version registers nothing and returns that version (`unchanged`).
   */
  register(input: RegisterPlaybookInput): Promise<RegisteredEntry>;
  /** Registered versions, ordered by path then version; `[]` when none match. */
  list(filter?: CatalogListFilter): Promise<CatalogEntry[]>;
  /** One version with its content, by catalog id, path (latest version) or `PATH@VERSION`; not_found when absent. */
  show(ref: string): Promise<CatalogEntryWithContent>;
  /** The entry a selector names; invalid when it names none or both, not_found when absent. */
  resolve(selector: PlaybookSelector): Promise<CatalogEntry>;
}
