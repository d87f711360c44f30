/**
 * `render` of the templates group: a playbook's step templates rendered as a worker would for
 * one execution (its variables, its visible keychain entries, the workload), with every
 * reference that does not resolve and why (src/core/template-references.ts). Keychain entries
 * are read without renewing or counting an access: render is a diagnosis, not a use.
 */
import type { RenderReport, RenderRequest, RenderResult, RenderedTemplate, UnresolvedReference } from '../../api/templates.js';
import { invalidError, notFoundError } from '../../core/errors.js';
import { parseId64 } from '../../core/ids.js';
import type { Reader } from '../../core/scope.js';
import { closest } from '../../core/suggest.js';
import { checkReference, markSecrets, referenceText, visibleKeychainEntry, type KeychainState, type UnresolvedReason } from '../../core/template-references.js';
import { SEAL_LEGACY_ROWS } from '../sql/sealed.js';
import type { Store } from '../sql/store.js';
import type { KeyProvider } from './index.js';
import { openKeychainData } from './keychain-entries.js';

function id64(text: string | undefined, what: string): string | undefined {
  if (text === undefined) return undefined;
  const id = parseId64(text);
  if (id === undefined) throw invalidError(`${what} '${text}' is not a 64-bit id (digits only, e.g. 507431238966182398)`, { reason: 'invalid-id' });
  return id;
}

/** Renders and reports; `unresolved` lists every reference that does not resolve. */
export async function renderPlaybook(store: Store, keys: KeyProvider, request: RenderRequest): Promise<RenderResult> {
  const source = request.source ?? 'playbook';
  const executionId = id64(request.execution_id, 'execution id')!;
  const rootExecutionId = id64(request.root_execution_id, 'root execution id');
  const catalogIdFlag = id64(request.catalog_id, 'catalog id');
  const warnings: string[] = [];

  const [{ SourceFile }, { lintDocuments }, { toJS }, { templateRenderer, workloadContext, TemplateError }, variables, catalog, keychainStore] = await Promise.all([
    import('../../lint/source.js'),
    import('../../lint/lint.js'),
    import('../../lint/yaml-tree.js'),
    import('../../core/jinja.js'),
    import('../sql/variables.js'),
    import('../sql/catalog.js'),
    import('../sql/keychain.js'),
  ]);
  const file = new SourceFile(source, request.content);
  const pb = lintDocuments(file)[0];
  if (!pb) throw invalidError(`${source} is not a playbook: expected a YAML mapping with kind: Playbook and a workflow`);
  if (pb.doc.error) {
    const at = file.position(pb.doc.error.offset);
    throw invalidError(`${source}:${at.line}:${at.col}: not valid YAML: ${pb.doc.error.message}`, { hint: { command: `lint ${source}`, text: 'to see every problem' } });
  }
  const stepNames = [...pb.stepsByName.keys()];
  if (request.step !== undefined && !pb.stepsByName.has(request.step)) {
    const guess = closest(request.step, stepNames);
    throw notFoundError(`${source} has no step '${request.step}'${guess ? ` (did you mean '${guess}'?)` : ''}`);
  }
  const templates = pb.templates.filter((t) => t.step && (request.step === undefined || t.step.name === request.step));

  const document = (toJS(pb.doc.root) ?? {}) as Record<string, unknown>;
  const workload = isRecord(document.workload) ? document.workload : {};
  const metadata = isRecord(document.metadata) ? document.metadata : {};

  // The playbook's keychain entries (they belong to its catalog id), decrypted where this execution would see them.
  const catalogEntry = catalogIdFlag
    ? await catalog.getCatalogById(store, catalogIdFlag)
    : typeof metadata.path === 'string'
      ? await catalog.getCatalogByPath(store, metadata.path)
      : undefined;
  if (catalogIdFlag && !catalogEntry) throw notFoundError(`no catalog entry with id ${catalogIdFlag}`, { hint: { command: 'catalog ls', text: 'to list them' } });
  const reader: Reader = { catalogId: catalogEntry?.catalog_id ?? '', executionId, rootExecutionId };
  const states: KeychainState[] = [];
  if (catalogEntry) {
    for (const e of await keychainStore.listKeychainEntries(store, { catalogId: catalogEntry.catalog_id }, store.now())) {
      states.push({
        name: e.keychain_name,
        cacheKey: e.cache_key,
        scope: e.scope_type,
        catalogId: e.catalog_id,
        executionId: e.execution_id,
        rootExecutionId: e.scope_type === 'shared' ? e.parent_execution_id : null,
        expiresAt: new Date(e.expires_at),
        expired: e.expired,
        autoRenew: e.auto_renew,
      });
    }
  }
  const referencedKeychain = new Set(templates.flatMap((t) => t.scan.references.filter((r) => r.root === 'keychain' && r.path.length > 0).map((r) => r.path[0].name)));
  const keychainData: Record<string, unknown> = {};
  for (const name of referencedKeychain) {
    const entry = visibleKeychainEntry(states, name, reader);
    if (!entry || entry.expired) continue;
    // Read without renewing or counting an access: render is a diagnosis, not a use.
    const stored = await keychainStore.selectKeychainRow(store, entry.cacheKey);
    if (!stored) continue;
    const { data, legacy } = openKeychainData(stored, await keys('read'));
    if (legacy) warnings.push(`keychain entry '${name}' is stored as legacy plaintext: ${SEAL_LEGACY_ROWS}`);
    entry.data = data;
    keychainData[name] = data;
  }

  const execVariables = await variables.listVariables(store, executionId);
  const base = workloadContext(workload, { keychain: keychainData, execution_id: executionId });
  const { context, conflicts } = variables.mergeVariables(base, execVariables);
  for (const c of conflicts) {
    warnings.push(`variable '${c.name}' (${c.type}${c.sourceStep ? ` from step '${c.sourceStep}'` : ''}) is not visible to templates: '${c.name}' is a base key of the context`);
  }
  const bearerRoots = execVariables.filter((v) => v.type === 'bearer_token').map((v) => v.name);
  // References the template rendered without, under `| default(…)` or `is defined`.
  let covered = new Set<string>();
  const onCovered = (reference: string) => covered.add(reference);
  // Without --reveal, whatever a template derives from a secret prints masked (| upper, | reverse, …).
  const render = request.reveal
    ? await templateRenderer(context, { onCovered })
    : await templateRenderer(markSecrets(context, new Set(['keychain', ...bearerRoots]), new Set(['workload', ...Object.keys(workload)])), { maskSecrets: true, onCovered });

  const bearerVariables = new Map<string, string>();
  for (const s of pb.steps) if (s.sets && s.name) bearerVariables.set(s.sets.name, s.name);
  const resolveInput = {
    context,
    keychain: states,
    reader,
    catalogKnown: Boolean(catalogEntry),
    runtimeNames: pb.definedNames,
    steps: new Set(stepNames),
    bearerVariables,
  };

  const report: RenderReport = {
    playbook: source,
    execution_id: executionId,
    catalog_id: catalogEntry?.catalog_id ?? null,
    steps: [],
    unresolved: [],
    conflicts: conflicts.map((c) => ({ name: c.name, type: c.type, source_step: c.sourceStep })),
  };
  const byStep = new Map<string, RenderedTemplate[]>();
  for (const t of templates) {
    const stepName = t.step?.name ?? `#${(t.step?.index ?? 0) + 1}`;
    const field = t.keys.slice(1).join('.');
    const at = file.position(t.map(0));
    let problems: UnresolvedReference[] = [];
    const place = (offset: number) => file.position(t.map(offset));
    for (const e of t.scan.errors) {
      const p = place(e.start);
      problems.push({ step: stepName, field, line: p.line, col: p.col, reference: t.value.slice(e.start, e.end) || t.value, reason: 'template syntax error', detail: e.message });
    }
    for (const ref of t.scan.references) {
      const problem = checkReference(ref, resolveInput);
      if (!problem) continue;
      const p = place(ref.start);
      problems.push({ step: stepName, field, line: p.line, col: p.col, reference: referenceText(ref), ...problem });
    }
    let rendered: string | null = null;
    let error: string | null = null;
    if (t.scan.errors.length === 0) {
      covered = new Set();
      try {
        rendered = render(t.value);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        error = err.message;
      }
      // What `default` or `is defined` covered is not missing: a worker renders the template without it.
      problems = problems.filter((p) => !(covered.has(p.reference) && ABSENT.has(p.reason)));
      const usesRuntimeNames = t.scan.references.some((r) => pb.definedNames.has(r.root));
      if (error !== null && problems.length === 0 && !usesRuntimeNames) {
        problems.push({ step: stepName, field, line: at.line, col: at.col, reference: t.value, reason: 'render error', detail: error });
      }
    } else {
      error = 'not rendered: template syntax error';
    }
    report.unresolved.push(...problems);
    const list = byStep.get(stepName) ?? [];
    list.push({ field, line: at.line, col: at.col, template: t.value, rendered, error });
    byStep.set(stepName, list);
  }
  report.steps = [...byStep].map(([step, list]) => ({ step, templates: list }));

  return { ...report, warnings };
}

/** Reasons a reference is simply absent (an expired or out-of-scope keychain entry stays listed even when covered). */
const ABSENT = new Set<UnresolvedReason>(['no such variable', 'no such field', 'no such keychain entry']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

