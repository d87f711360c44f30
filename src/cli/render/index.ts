import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { RenderReport } from '../../api/templates.js';
import { id64Arg, withExecutionOption } from '../args.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { readTextFile, type IO } from '../io.js';
import { printSections, type OutputFormat, type TableView } from '../output.js';
import { preview } from '../vars/common.js';

export type { RenderReport } from '../../api/templates.js';

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
  client: NoetlClient;
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
      const full: RenderOptions = {
        file,
        executionId: opts.execution,
        step: opts.step,
        reveal: Boolean(opts.reveal),
        catalogId: opts.catalogId,
        rootExecution: opts.rootExecution,
        output: ctx.globals().output,
      };
      checkRenderFlags(full);
      const code = await runRender(full, { io: ctx.io, client: await ctx.client(), warn: (m) => ctx.warn(m) });
      ctx.setExitCode(code);
    });
}

/** Renders and reports; returns the exit code (1 when any reference does not resolve). */
export async function runRender(opts: RenderOptions, deps: RenderDeps): Promise<number> {
  const { executionId, rootExecutionId, catalogId } = checkRenderFlags(opts);
  const content = await readTextFile(opts.file, `playbook file ${opts.file}`);
  const { warnings, ...report } = await deps.client.templates.render({
    content,
    source: opts.file,
    execution_id: executionId,
    step: opts.step,
    catalog_id: catalogId,
    root_execution_id: rootExecutionId,
    reveal: opts.reveal,
  });
  for (const w of warnings) deps.warn(w);
  printReport(deps.io, opts.output, report);
  return report.unresolved.length > 0 ? ExitCode.failure : ExitCode.ok;
}

/** The ids checked before anything is opened. */
function checkRenderFlags(opts: RenderOptions) {
  return {
    executionId: id64Arg(opts.executionId),
    rootExecutionId: opts.rootExecution === undefined ? undefined : id64Arg(opts.rootExecution, 'root execution id'),
    catalogId: opts.catalogId === undefined ? undefined : id64Arg(opts.catalogId, 'catalog id'),
  };
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
