/**
 * `noetl lint --check-credentials`: the credential names that `auth` (and keychain entries of
 * kind credential) reference must exist. The lookup is the caller's (`MissingCredentials`: the
 * CLI asks the configured database, a server its own store), so linting itself does no I/O.
 */
import { findKeychainKind } from '../core/keychain-kinds/index.js';
import { hasTemplate } from '../core/templates.js';
import { workloadKeyOf } from './references.js';
import { isMap, isScalar, type YamlNode, type YamlScalar } from './yaml-tree.js';
import { isSecretManagerPath, looksLikeReferenceName } from './knowledge.js';
import { lintDocuments } from './lint.js';
import { nodeSpan, templateSpan, valueOf, type Playbook } from './playbook.js';
import type { SourceFile } from './source.js';
import { isSuppressed, readSuppressions } from './suppress.js';
import { RULES_BY_ID } from './rules/index.js';
import type { Finding, Severity, Span } from './types.js';

export interface CredentialReference {
  name: string;
  span: Span;
}

/** The names among `names` that do not exist in the credential store. */
export type MissingCredentials = (names: string[]) => Promise<ReadonlySet<string>>;

/** A literal credential name, or `{{ workload.k }}` / `{{ k }}` where workload key k holds one. */
function resolveName(pb: Playbook, node: YamlNode | null | undefined): CredentialReference | undefined {
  if (!isScalar(node) || typeof node.value !== 'string') return undefined;
  const value = node.value.trim();
  // A secret-manager path is auth-secret-path's finding, not a credential to look up.
  if (!hasTemplate(value)) return looksLikeReferenceName(value) && !isSecretManagerPath(value) ? { name: value, span: nodeSpan(node) } : undefined;
  const t = pb.templates.find((x) => x.node === node);
  if (!t || t.scan.references.length !== 1 || t.scan.spans.length !== 1) return undefined;
  const span = t.scan.spans[0];
  if (span.start !== 0 || span.end !== t.value.length) return undefined;
  const ref = t.scan.references[0];
  // `workload.k` or `k`, not a field inside it.
  const key = ref.path.length <= 1 ? workloadKeyOf(ref) : undefined;
  const pair = key === undefined ? undefined : pb.workload.get(key);
  const target = pair?.value;
  if (!isScalar(target) || typeof target.value !== 'string' || hasTemplate(target.value) || !looksLikeReferenceName(target.value) || isSecretManagerPath(target.value)) return undefined;
  return { name: target.value, span: templateSpan(t, ref.start, ref.end) };
}

/** Every credential name a playbook's auth attributes and credential keychain entries reference. */
export function credentialReferences(pb: Playbook): CredentialReference[] {
  const out: CredentialReference[] = [];
  const add = (r: CredentialReference | undefined) => r && out.push(r);
  for (const use of pb.auths) {
    if (isMap(use.node)) {
      add(resolveName(pb, valueOf(use.node, 'credential')));
      // Multi-auth: `auth: {alias: {source: credential, key: …}}`.
      for (const pair of use.node.items) {
        if (isMap(pair.value) && (valueOf(pair.value, 'source') === undefined || (valueOf(pair.value, 'source') as YamlScalar | undefined)?.value === 'credential')) {
          add(resolveName(pb, valueOf(pair.value, 'key') ?? valueOf(pair.value, 'credential')));
        }
      }
    } else add(resolveName(pb, use.node));
  }
  for (const entry of pb.keychain) {
    const kind = findKeychainKind(entry.kind);
    const keys = (kind?.credentialKeys ?? []).filter((key) => valueOf(entry.node, key) != null);
    // A credential entry that names none is read by its own name (upstream's processor does so).
    if (kind?.id === 'credential' && keys.length === 0 && entry.name !== undefined && entry.nameNode) add(resolveName(pb, entry.nameNode));
    // The first key present is the one read (`ref`, then `credential`).
    if (keys.length > 0) add(resolveName(pb, valueOf(entry.node, keys[0])));
  }
  return out;
}

/** Findings (rule missing-credential) for every referenced credential that `missingCredentials` says does not exist. */
export async function checkCredentials(missingCredentials: MissingCredentials, sources: SourceFile[], severities: (path: string) => Map<string, Severity | 'off'> | undefined): Promise<Finding[]> {
  const refs: { source: SourceFile; ref: CredentialReference }[] = [];
  for (const source of sources) {
    for (const pb of lintDocuments(source)) for (const ref of credentialReferences(pb)) refs.push({ source, ref });
  }
  const missing = await missingCredentials([...new Set(refs.map((r) => r.ref.name))]);
  const findings: Finding[] = [];
  const suppressions = new Map(sources.map((s) => [s, readSuppressions(s, (id) => RULES_BY_ID.has(id)).suppressions]));
  for (const { source, ref } of refs) {
    if (!missing.has(ref.name)) continue;
    if (isSuppressed(suppressions.get(source) ?? [], 'missing-credential', source.position(ref.span.start).line)) continue;
    const severity = severities(source.path)?.get('missing-credential') ?? 'error';
    if (severity === 'off') continue;
    findings.push({
      ruleId: 'missing-credential',
      severity,
      message: `credential '${ref.name}' does not exist in the configured database; add it with \`noetl credential add ${ref.name} …\``,
      path: source.path,
      start: source.position(ref.span.start),
      end: source.position(ref.span.end),
      startOffset: ref.span.start,
      endOffset: ref.span.end,
    });
  }
  return findings;
}
