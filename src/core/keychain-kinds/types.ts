/**
 * What a keychain kind is: the fields a playbook entry of that kind may have and must have,
 * whether it can be renewed, how a plan describes it and how its value is fetched. One file
 * per kind in this folder; `index.ts` lists them. Lint, `keychain resolve` and every other
 * reader of a keychain section take their kind knowledge from here and nowhere else.
 *
 * Core does no I/O: a kind's `fetch` gets the HTTP request, the credential lookup and the
 * secret-manager and Google clients as arguments (`KeychainFetchIO`).
 */

/** The secret managers a `secret_manager` entry can read (seed 003 "Providers"). */
export type SecretProviderName = 'gcp' | 'aws' | 'azure';

/** `secret` (static) or `token` (refreshable): the keychain table's cache_type (seed 003). */
export type CacheType = 'secret' | 'token';

/**
 * A field the entry needs. Present means the key is there with a non-null value; `anyOf`
 * lists keys any one of which will do.
 */
export interface Requirement {
  anyOf: readonly string[];
  /** How messages and docs name it: "`endpoint` (the URL to call)". */
  what: string;
  /** Needed only when this key is present (google_id_token's `auth` beside `service_account_secret`). */
  when?: string;
  /** The message's tail instead of "of kind K needs WHAT" (for a `when` requirement). */
  because?: string;
  /** The value must be a non-empty mapping of this ("output field → secret path"). */
  mapping?: string;
}

/** An HTTP request for a token: the seeds' renew_config, which is also what an oauth2/http entry sends. */
export interface TokenRequest {
  endpoint: string;
  method?: string;
  headers?: Record<string, string>;
  data?: Record<string, unknown>;
  token_field?: string;
  ttl_field?: string;
  refresh_margin_seconds?: number;
  timeout_seconds?: number;
  /** Plain http:// beyond loopback, which would send the credentials unencrypted (off unless set). */
  allow_insecure_http?: boolean;
}

/** The I/O a kind's fetch may do, given by the resolver (which also applies timeouts). */
export interface KeychainFetchIO {
  /** A stored credential's type and data; throws when there is none. */
  credential(name: string): Promise<{ type: string; data: Record<string, unknown> }>;
  /**
   * Sends a token request and returns the JSON response and its lifetime (from ttl_field).
   * With `requireTokenField`, a response without token_field (default access_token) fails.
   */
  tokenRequest(request: TokenRequest, options: { requireTokenField: boolean }): Promise<{ tokenData: Record<string, unknown>; ttlSeconds?: number }>;
  /** A secret's value as text, read with the data of the entry's `auth` credential. */
  secret(provider: SecretProviderName, path: string, auth: Record<string, unknown> | undefined): Promise<string>;
  /** A Google ID token for `audience`, minted with a service-account key. */
  googleIdToken(serviceAccount: Record<string, unknown>, audience: string): Promise<{ idToken: string; ttlSeconds?: number }>;
}

/** An entry about to be fetched: its fields rendered (no template left) and checked (checkEntryFields). */
export interface FetchEntry {
  name: string;
  fields: Record<string, unknown>;
  /** `auto_renew: true` on a kind that can be renewed. */
  autoRenew: boolean;
}

export interface Fetched {
  data: Record<string, unknown>;
  /** The value's own lifetime, when it says (a token's expires_in); the entry's ttl_seconds wins. */
  ttlSeconds?: number;
  credentialType: string;
  cacheType: CacheType;
}

/** A field as a plan shows it: rendered where it can be without fetching anything, secrets masked. */
export type Preview = (value: unknown) => Promise<string>;

/**
 * How an entry is renewed when `auto_renew: true`:
 * - `renew_config`: its token request is stored as the entry's renew_config and sent again
 *   when the entry is due (seed 003 "Auto-Renewal"), by every reader of the keychain;
 * - `mint`: a new value is minted from the entry's key a refresh margin before the current
 *   one expires, by `keychain resolve` (a signed assertion cannot be replayed from a
 *   renew_config, so readers outside resolve cannot renew it).
 */
export type Renewal = 'renew_config' | 'mint';

export interface KeychainKind {
  /** The kind as a playbook writes it (`kind: oauth2`). */
  readonly id: string;
  /** Other spellings of the same kind (`secrets` for `secret_manager`). */
  readonly aliases: readonly string[];
  /** One line for docs: what the entry's value is. */
  readonly summary: string;
  /** Keys this kind reads besides the keys every entry has. */
  readonly keys: readonly string[];
  readonly required: readonly Requirement[];
  /** Keys written for one this kind reads (`value` → `map`): did-you-mean. */
  readonly keyAliases?: Readonly<Record<string, string>>;
  /** Keys this kind does not read that another kind does, with what to write instead. */
  readonly keyHints?: Readonly<Record<string, string>>;
  /** Keys whose value names a stored credential (besides `auth`, which every reader treats so). */
  readonly credentialKeys?: readonly string[];
  /** Where the value comes from, for secret_manager: the providers it can read. */
  readonly providers?: readonly SecretProviderName[];
  /** Absent: `auto_renew` has no effect on this kind. */
  readonly renewal?: Renewal;
  /** For a `renew_config` kind: the token request to store from the entry's (rendered) fields. */
  renewConfig?(fields: Record<string, unknown>): TokenRequest;
  /** What a plan shows as the entry's source: "POST https://…/token", "credential pg_prod"; `name` is the entry's. */
  describe(fields: Record<string, unknown>, preview: Preview, name: string): Promise<string>;
  fetch(entry: FetchEntry, io: KeychainFetchIO): Promise<Fetched>;
}
