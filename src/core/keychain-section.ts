/**
 * A playbook's `keychain:` section, read and ordered: pure functions shared by
 * `keychain resolve` (src/backends/local/keychain-resolve.ts) and anything that plans it.
 * Entries resolve in declaration order (an entry may use `{{ keychain.other.x }}` of entries
 * above it only), as lint's keychain-order says; what each kind is comes from the kind registry.
 */
import { invalidError } from './errors.js';
import { declaredAfterMessage, findKeychainKind, KIND_KEY_ALIASES, KIND_KEYS, missingKindMessage, unknownKindMessage } from './keychain-kinds/index.js';
import { isScopeType, type ScopeType } from './scope.js';
import { parseYaml } from './structured.js';
import { templateReferences } from './templates.js';

/** A kind's name as the playbook writes it (an id or alias of the registry's). */
export type KeychainKind = string;

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
  if (!Array.isArray(section)) throw invalidError('the keychain section must be a list of entries (- name: …)');
  const specs: KeychainSpec[] = [];
  const seen = new Set<string>();
  section.forEach((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidError(`keychain entry #${i + 1} is not a mapping`);
    const { name, scope: scopeField, ...rest } = raw as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw invalidError(`keychain entry #${i + 1} has no name`);
    if (seen.has(name)) throw invalidError(`keychain entry '${name}' is defined twice`);
    seen.add(name);
    const kindKey = KIND_KEYS.find((k) => rest[k] !== undefined && rest[k] !== null);
    const fields = Object.fromEntries(Object.entries(rest).filter(([k]) => !KIND_KEYS.includes(k)));
    if (kindKey === undefined) throw invalidError(missingKindMessage(`keychain entry '${name}'`, KIND_KEY_ALIASES.find((k) => rest[k] != null)));
    const kind = rest[kindKey];
    if (typeof kind !== 'string' || !findKeychainKind(kind)) throw invalidError(`keychain entry '${name}': ${unknownKindMessage(String(kind))}`);
    const scope = scopeField ?? 'global';
    if (typeof scope !== 'string' || !isScopeType(scope)) throw invalidError(`keychain entry '${name}': scope '${String(scope)}' is not one of global, catalog, local, shared`);
    specs.push({ name, kind, scope, fields, dependsOn: keychainReferences(fields) });
  });
  for (const spec of specs) {
    for (const dep of spec.dependsOn) {
      if (!seen.has(dep)) throw invalidError(`keychain entry '${spec.name}' refers to keychain.${dep}, which the keychain section does not define`);
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

/**
 * The order entries resolve in: as declared (see declaredAfterMessage), so an entry using one
 * declared below it is an error, as lint's keychain-order says; a cycle is an error naming it.
 */
export function orderKeychain(specs: KeychainSpec[]): KeychainSpec[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  // A cycle is named as such first: each of its entries also uses one declared after it.
  const visit = (spec: KeychainSpec, path: string[]) => {
    if (state.get(spec.name) === 'done') return;
    if (state.get(spec.name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(spec.name)), spec.name];
      throw invalidError(`keychain entries depend on each other in a cycle: ${cycle.join(' → ')}`);
    }
    state.set(spec.name, 'visiting');
    for (const dep of spec.dependsOn) visit(byName.get(dep)!, [...path, spec.name]);
    state.set(spec.name, 'done');
  };
  for (const spec of specs) visit(spec, []);
  const position = new Map(specs.map((s, i) => [s.name, i]));
  specs.forEach((spec, i) => {
    const later = spec.dependsOn.find((dep) => position.get(dep)! > i);
    if (later !== undefined) throw invalidError(declaredAfterMessage(spec.name, later));
  });
  return specs;
}

/** Parses playbook YAML to its document (a mapping), for reading its sections. */
export function parsePlaybookDocument(text: string): Record<string, unknown> {
  const document = parseYaml(text, 'the playbook');
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw invalidError('the playbook is not a YAML mapping');
  return document as Record<string, unknown>;
}
