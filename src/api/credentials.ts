/**
 * The credentials group of NoetlClient: credentials (seed 001/003: registered, validated, sealed
 * at rest). Wire types are snake_case (API.md "Credentials") and are what `-o json` prints.
 */

/**
 * A credential to store, as API.md's `POST /api/credentials` body and a registration file give it.
 * For description, tags, meta and schema, absent is "not given" (a replace keeps the stored value)
 * and `null` is "none" (a replace clears it). Tags may be a list or `"a,b"`.
 */
export interface CredentialInput {
  name: string;
  type: string;
  data: unknown;
  description?: string | null;
  tags?: string[] | string | null;
  meta?: Record<string, unknown> | null;
  schema?: Record<string, unknown> | null;
}

/** A stored credential without its data (what `list` answers). */
export interface CredentialSummary {
  /** 64-bit, as a string. */
  id: string;
  name: string;
  type: string;
  description: string | null;
  tags: string[];
  meta: Record<string, unknown> | null;
  schema: Record<string, unknown> | null;
  /** RFC 3339 UTC. */
  created_at: string;
  updated_at: string;
}

/** A stored credential with its data: masked (a fingerprint per value) unless asked with `reveal`. */
export interface Credential extends CredentialSummary {
  data: Record<string, unknown>;
  /** The values of `data` are in the clear. */
  revealed: boolean;
  /** The row was legacy plaintext (NoETL's Python server); rotation seals it. */
  legacy: boolean;
  /** E.g. the data no longer matches its stored schema; the row is legacy plaintext. */
  warnings: string[];
}

export interface CredentialAdded extends CredentialSummary {
  /** An existing credential of that name was overwritten. */
  replaced: boolean;
  /** Not blocking: a known type's expected fields, and the like. */
  warnings: string[];
}

export interface CredentialRemoved {
  id: string;
  name: string;
  deleted: true;
}

export interface AddCredentialOptions {
  /** Overwrite a credential of the same name, keeping what the input leaves absent. */
  replace?: boolean;
}

export interface GetCredentialOptions {
  /** Answer the data in the clear; masked otherwise. */
  reveal?: boolean;
}

export interface ListCredentialsFilter {
  type?: string;
  /** Every tag given must be present. */
  tags?: string[];
}

/** One parsed registration file (NoETL's `{name, type, description, tags, meta, schema, data}`). */
export interface CredentialRegistration {
  /** The file it came from, as it should be named in messages. */
  file: string;
  /** Absent when the file could not be read as a registration (`error` says why). */
  input?: CredentialInput;
  /** Top-level keys that are not part of a registration (e.g. `notes`): read, not stored. */
  ignored: string[];
  error?: string;
}

/** `valid` is what validation (without storing) says of a good file. */
export type ImportStatus = 'added' | 'replaced' | 'valid' | 'invalid' | 'conflict' | 'not-loaded';

export interface ImportEntry {
  file: string;
  name?: string;
  status: ImportStatus;
  /** Why it failed, or what was ignored (one line each; the first is the summary). */
  messages: string[];
  warnings: string[];
}

/** `ok`, or the error code of the worst entry: `invalid` before `conflict`. */
export type ImportOutcome = 'ok' | 'invalid' | 'conflict';

export interface ValidationReport {
  entries: ImportEntry[];
  outcome: ImportOutcome;
}

export interface ImportReport extends ValidationReport {
  /** Nothing was written (all-or-none import with a failure). */
  rolled_back: boolean;
}

export interface ImportOptions {
  /** Overwrite stored credentials of the same names; two files with one name: the later wins. */
  replace?: boolean;
  /** Load every valid registration and report the rest (default: all or none). */
  continueOnError?: boolean;
}

export interface CredentialsApi {
  /** Validates, seals and stores one credential; an existing name is `conflict` unless `replace`. */
  add(input: CredentialInput, options?: AddCredentialOptions): Promise<CredentialAdded>;
  /** One credential with its data (masked unless `reveal`); `not_found` with a did-you-mean. */
  get(name: string, options?: GetCredentialOptions): Promise<Credential>;
  /** Credentials by name, never their data. */
  list(filter?: ListCredentialsFilter): Promise<CredentialSummary[]>;
  /** The credential an identifier names, without its data: all digits is an id first, then a name; undefined when none. */
  find(identifier: string): Promise<CredentialSummary | undefined>;
  /** Whether a credential of that name is stored (reads no data). */
  exists(name: string): Promise<boolean>;
  /** Deletes one credential; `not_found` when there is none. */
  remove(name: string): Promise<CredentialRemoved>;
  /** Checks registrations as an import would, storing nothing. */
  validate(registrations: CredentialRegistration[], options?: Pick<ImportOptions, 'replace'>): Promise<ValidationReport>;
  /** Stores many registrations in one transaction: all or none, or with `continueOnError` every valid one. */
  import(registrations: CredentialRegistration[], options?: ImportOptions): Promise<ImportReport>;
}
