import { Command } from 'commander';
import type { KeySet } from '../../core/envelope.js';
import type { Reader } from '../../core/scope.js';
import { closest } from '../../core/suggest.js';
import type { Store } from '../../backends/sql/store.js';
import { id64Arg, withExecutionOption } from '../args.js';
import type { CommandContext } from '../context.js';
import { invalidError, notFoundError } from '../../core/errors.js';
import { ExitCode } from '../exit-codes.js';
import { readTextFile, type IO } from '../io.js';
import { printSections, type OutputFormat, type TableView } from '../output.js';
import { preview } from '../vars/common.js';
import { checkReference, markSecrets, referenceText, visibleKeychainEntry, type KeychainState, type UnresolvedReason } from './resolve.js';

export interface RenderOptions {
  file: string;
  executionId: string;
  step?: string;
  reveal: boolean;
  /** The playbook's catalog entry; default the latest version of its metadata.path. */
  catalogId?: string;
  /** The root of the execution tree, for shared keychain entries; default the execution itself. */
  rootExecution?: string;
  output: OutputFormat;
}

export interface RenderDeps {
  io: IO;
  store: Store;
  /** Loaded only when a visible keychain entry has to be decrypted. */
  keys(): Promise<KeySet>;
  warn(message: string): void;
}

export function newRenderCommand(ctx: CommandContext): Command {
  const command = new Command('render')
    .description("Render a playbook's step templates as a worker would for one execution, and list every reference that does not resolve")
    .argument('<playbook>', 'the playbook YAML file');
  return withExecutionOption(command, 'the execution whose variables and keychain entries to use', { required: true })
    .option('--step <name>', 'only this step')
    .option('--reveal', 'show secrets, and what templates derive from them, instead of ****')
    .option('--catalog-id <id>', "the playbook's catalog entry (default: the latest version of its metadata.path)")
    .option('--root-execution <id>', 'the root of the execution tree, for shared keychain entries (default: the execution itself)')
    .addHelpText(
      'after',
      `
Exit codes: 0 every reference resolves, 1 some do not (listed with their reason), 2 usage, 3 file or step not found.

Examples:
  $ noetl render playbooks/amadeus_ai_api.yaml --execution 507431238966182398
  $ noetl render playbooks/amadeus_ai_api.yaml --execution 507431238966182398 --step call_amadeus_api
  $ noetl render flow.yaml --execution 507431238966182398 -o json | jq '.unresolved'`,
    )
    .action(async (file: string, opts: { execution: string; step?: string; reveal?: boolean; catalogId?: string; rootExecution?: string }) => {
      const store = await ctx.openStore();
      const code = await runRender(
        { file, executionId: opts.execution, step: opts.step, reveal: Boolean(opts.reveal), catalogId: opts.catalogId, rootExecution: opts.rootExecution, output: ctx.globals().output },
        { io: ctx.io, store, keys: () => ctx.keys('read'), warn: (m) => ctx.warn(m) },
      );
      ctx.setExitCode(code);
    });
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

/** Renders and reports; returns the exit code (1 when any reference does not resolve). */
export async function runRender(opts: RenderOptions, deps: RenderDeps): Promise<number> {
  const executionId = id64Arg(opts.executionId);
  const rootExecutionId = opts.rootExecution === undefined ? undefined : id64Arg(opts.rootExecution, 'root execution id');
  const catalogIdFlag = opts.catalogId === undefined ? undefined : id64Arg(opts.catalogId, 'catalog id');
  const text = await readTextFile(opts.file, `playbook file ${opts.file}`);

  const [{ SourceFile }, { lintDocuments }, { toJS }, { templateRenderer, workloadContext, TemplateError }, variables, catalog, keychainStore] = await Promise.all([
    import('../../lint/source.js'),
    import('../../lint/lint.js'),
    import('../../lint/yaml-tree.js'),
    import('../../core/jinja.js'),
    import('../../backends/sql/variables.js'),
    import('../../backends/sql/catalog.js'),
    import('../../backends/sql/keychain.js'),
  ]);
  const source = new SourceFile(opts.file, text);
  const pb = lintDocuments(source)[0];
  if (!pb) throw invalidError(`${opts.file} is not a playbook: expected a YAML mapping with kind: Playbook and a workflow`);
  if (pb.doc.error) {
    const at = source.position(pb.doc.error.offset);
    throw invalidError(`${opts.file}:${at.line}:${at.col}: not valid YAML: ${pb.doc.error.message}; see noetl lint ${opts.file}`);
  }
  const stepNames = [...pb.stepsByName.keys()];
  if (opts.step !== undefined && !pb.stepsByName.has(opts.step)) {
    const guess = closest(opts.step, stepNames);
    throw notFoundError(`${opts.file} has no step '${opts.step}'${guess ? ` (did you mean '${guess}'?)` : ''}`);
  }
  const templates = pb.templates.filter((t) => t.step && (opts.step === undefined || t.step.name === opts.step));

  const document = (toJS(pb.doc.root) ?? {}) as Record<string, unknown>;
  const workload = isRecord(document.workload) ? document.workload : {};
  const metadata = isRecord(document.metadata) ? document.metadata : {};

  // The playbook's keychain entries (they belong to its catalog id), decrypted where this execution would see them.
  const catalogEntry = catalogIdFlag
    ? await catalog.getCatalogById(deps.store, catalogIdFlag)
    : typeof metadata.path === 'string'
      ? await catalog.getCatalogByPath(deps.store, metadata.path)
      : undefined;
  if (catalogIdFlag && !catalogEntry) throw notFoundError(`no catalog entry with id ${catalogIdFlag}: see \`noetl catalog ls\``);
  const reader: Reader = { catalogId: catalogEntry?.catalog_id ?? '', executionId, rootExecutionId };
  const states: KeychainState[] = [];
  if (catalogEntry) {
    for (const e of await keychainStore.listKeychainEntries(deps.store, { catalogId: catalogEntry.catalog_id })) {
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
    const stored = await keychainStore.selectKeychainRow(deps.store, entry.cacheKey);
    if (!stored) continue;
    const { data, legacy } = keychainStore.openKeychainData(stored, await deps.keys());
    if (legacy) deps.warn(`keychain entry '${name}' is stored as legacy plaintext: run \`noetl credential rotate-key\` to seal it`);
    entry.data = data;
    keychainData[name] = data;
  }

  const execVariables = await variables.listVariables(deps.store, executionId);
  const base = workloadContext(workload, { keychain: keychainData, execution_id: executionId });
  const { context, conflicts } = variables.mergeVariables(base, execVariables);
  for (const c of conflicts) {
    deps.warn(`variable '${c.name}' (${c.type}${c.sourceStep ? ` from step '${c.sourceStep}'` : ''}) is not visible to templates: '${c.name}' is a base key of the context`);
  }
  const bearerRoots = execVariables.filter((v) => v.type === 'bearer_token').map((v) => v.name);
  // References the template rendered without, under `| default(…)` or `is defined`.
  let covered = new Set<string>();
  const onCovered = (reference: string) => covered.add(reference);
  // Without --reveal, whatever a template derives from a secret prints masked (| upper, | reverse, …).
  const render = opts.reveal
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
    playbook: opts.file,
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
    const at = source.position(t.map(0));
    let problems: UnresolvedReference[] = [];
    const place = (offset: number) => source.position(t.map(offset));
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

  printReport(deps.io, opts.output, report);
  return report.unresolved.length > 0 ? ExitCode.failure : ExitCode.ok;
}

/** Reasons a reference is simply absent (an expired or out-of-scope keychain entry stays listed even when covered). */
const ABSENT = new Set<UnresolvedReason>(['no such variable', 'no such field', 'no such keychain entry']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function printReport(io: IO, format: OutputFormat, report: RenderReport): void {
  printSections(io, format, report, () => {
    const rows = report.steps.flatMap((s) => s.templates.map((t) => [s.step, t.field, `${t.line}:${t.col}`, t.rendered !== null ? preview(t.rendered, 100) : `(${preview(t.error ?? 'not rendered', 100)})`]));
    const sections: (TableView | string)[] = [{ head: ['STEP', 'FIELD', 'LINE', 'RENDERED'], rows }];
    if (report.unresolved.length > 0) {
      sections.push(`unresolved references: ${report.unresolved.length}`, {
        head: ['LINE', 'STEP', 'REFERENCE', 'REASON', 'DETAIL'],
        rows: report.unresolved.map((u) => [`${u.line}:${u.col}`, u.step, preview(u.reference), u.reason, u.detail]),
      });
    }
    return sections;
  });
}
