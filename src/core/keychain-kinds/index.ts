/**
 * The keychain-kind registry: every kind a playbook's `keychain:` entry can have, one file
 * each, and what all entries share (the keys every kind accepts, the key that holds the kind,
 * the order entries resolve in). Lint rules, `keychain resolve` and the docs read this, so
 * what lint accepts is what resolve resolves. To add a kind: a file here and a line in
 * KEYCHAIN_KINDS; a spelling of a kind: its `aliases`; a key a kind reads: its `keys` (and
 * `required`); a key that holds the kind (`type:`): KIND_KEYS.
 */
import { invalidError } from '../errors.js';
import { closest } from '../suggest.js';
import { bearer } from './bearer.js';
import { credential } from './credential.js';
import { googleIdToken } from './google-id-token.js';
import { http } from './http.js';
import { oauth2 } from './oauth2.js';
import { secretManager } from './secret-manager.js';
import { isMapping } from './shared.js';
import { staticKind } from './static.js';
import type { KeychainKind, Requirement } from './types.js';

export type * from './types.js';
export { SECRET_PROVIDERS } from './secret-manager.js';

/** Every kind, in the order docs and messages list them. */
export const KEYCHAIN_KINDS: readonly KeychainKind[] = [secretManager, oauth2, http, credential, staticKind, bearer, googleIdToken];

/** Every spelling a playbook may give as a kind, in listing order (an alias after its kind). */
export const KEYCHAIN_KIND_NAMES: readonly string[] = KEYCHAIN_KINDS.flatMap((k) => [k.id, ...k.aliases]);

const byName = new Map(KEYCHAIN_KINDS.flatMap((k) => [k.id, ...k.aliases].map((name): [string, KeychainKind] => [name, k])));

/** The kind a playbook names (by id or alias), or undefined for an unknown one. */
export function findKeychainKind(name: unknown): KeychainKind | undefined {
  return typeof name === 'string' ? byName.get(name) : undefined;
}

/** The keys an entry's kind is read from, first found wins: upstream's processor reads `kind`, else `type`. */
export const KIND_KEYS: readonly string[] = ['kind', 'type'];

/** Keys every entry may have, whatever its kind. */
export const KEYCHAIN_COMMON_KEYS: readonly string[] = ['name', ...KIND_KEYS, 'scope', 'ttl_seconds', 'auto_renew', 'description', 'desc', 'schema', 'renew_config'];

/** Misspellings and other spellings of common keys, with the key meant (did-you-mean). */
export const COMMON_KEY_ALIASES: Readonly<Record<string, string>> = { ttl: 'ttl_seconds', renew: 'auto_renew', autorenew: 'auto_renew' };

/** Keys written for a kind key (none since `type:` is one): the hint of an entry without a kind. */
export const KIND_KEY_ALIASES: readonly string[] = Object.keys(COMMON_KEY_ALIASES).filter((k) => !KIND_KEYS.includes(k) && KIND_KEYS.includes(COMMON_KEY_ALIASES[k]));

/** Every key some kind reads: what an entry of an unknown kind is checked against. */
export const ALL_KEYCHAIN_KEYS: readonly string[] = [...new Set([...KEYCHAIN_COMMON_KEYS, ...KEYCHAIN_KINDS.flatMap((k) => k.keys)])];

/** The kinds `auto_renew: true` has an effect on. */
export const RENEWABLE_KINDS: readonly KeychainKind[] = KEYCHAIN_KINDS.filter((k) => k.renewal !== undefined);

export function unknownKindMessage(name: string): string {
  const suggestion = closest(name, KEYCHAIN_KIND_NAMES);
  return `unknown keychain kind '${name}'${suggestion ? `; did you mean '${suggestion}'?` : `; one of: ${KEYCHAIN_KIND_NAMES.join(', ')}`}`;
}

/** An entry without a kind; `aliasKey` is a key the author probably meant as the kind (`type:`). */
export function missingKindMessage(label: string, aliasKey?: string): string {
  const hint = aliasKey ? ` (it has \`${aliasKey}:\`; the key is \`${KIND_KEYS[0]}:\`)` : '';
  return `${label} has no kind${hint}; one of: ${KEYCHAIN_KIND_NAMES.join(', ')}`;
}

/**
 * The requirements of `kind` an entry does not meet; `has(key)` says whether the entry has the
 * key with a non-null value.
 */
export function unmetRequirements(kind: KeychainKind, has: (key: string) => boolean): Requirement[] {
  return kind.required.filter((r) => (r.when === undefined || has(r.when)) && !r.anyOf.some(has));
}

/** What an entry lacks, after "keychain entry 'x'" (lint) or "KEYCHAIN: Entry 'x' (kind):" (resolve). */
export function requirementMessage(requirement: Requirement, kindName?: string): string {
  if (requirement.because) return requirement.because;
  return `${kindName ? `of kind ${kindName} ` : ''}needs ${requirement.what}`;
}

export function mappingMessage(requirement: Requirement, whose?: string): string {
  return `\`${requirement.anyOf[0]}\`${whose ? ` of ${whose}` : ''} must be a non-empty mapping of ${requirement.mapping}`;
}

export function unknownProviderMessage(kind: KeychainKind, provider: string): string {
  const known = kind.providers ?? [];
  const suggestion = closest(provider, known);
  return `unknown secret provider '${provider}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (one of ${known.join(', ')})`;
}

/**
 * Checks an entry's (rendered) fields against its kind's requirements, as lint does on the
 * playbook: throws the first unmet one ("needs `endpoint` (the URL to call)").
 */
export function checkEntryFields(kind: KeychainKind, fields: Record<string, unknown>): void {
  const has = (key: string) => fields[key] !== undefined && fields[key] !== null;
  const unmet = unmetRequirements(kind, has)[0];
  if (unmet) throw invalidError(requirementMessage(unmet));
  for (const requirement of kind.required) {
    const value = requirement.anyOf.map((k) => fields[k]).find((v) => v !== undefined && v !== null);
    if (requirement.mapping && !(isMapping(value) && Object.keys(value).length > 0)) throw invalidError(mappingMessage(requirement));
  }
  if (kind.providers && has('provider') && !(kind.providers as readonly unknown[]).includes(fields.provider)) {
    throw invalidError(unknownProviderMessage(kind, String(fields.provider)));
  }
}

/**
 * Entries resolve in the order they are declared, each seeing only the entries above it:
 * seed 003's resolver walks the section once, and upstream's processor renders each entry with
 * the entries processed so far. So an entry that uses one declared below it fails there, and
 * both lint and `keychain resolve` refuse it.
 */
export function declaredAfterMessage(user: string, used: string, line?: number): string {
  return `keychain entry '${user}' uses '${used}', which is declared after it${line === undefined ? '' : ` (line ${line})`}; move '${used}' above '${user}'`;
}
