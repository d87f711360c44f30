import { setTimeout as delay } from 'node:timers/promises';
import type { ExecutionState, Gateway } from '../auth/gateway.js';
import { CommandExit, ExitCode } from '../exit-codes.js';
import { readObjectInput, type IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';

export interface RunOptions {
  playbook: string;
  /** --var pairs, in order; later ones win, and all win over --vars. */
  vars: [string, string][];
  /** --vars @file or -. */
  varsFile?: string;
  wait: boolean;
  timeoutSeconds: number;
  output: OutputFormat;
}

export interface RunDeps {
  io: IO;
  gateway(): Promise<Gateway>;
  info(message: string): void;
  now(): Date;
  /** Waits between polls; tests pass one that moves their clock instead. */
  sleep?(ms: number): Promise<void>;
}

/** The first wait between two polls, the factor it grows by, and the longest. */
const FIRST_POLL_MS = 500;
const POLL_GROWTH = 1.5;
const LONGEST_POLL_MS = 10_000;

const SUCCEEDED = new Set(['completed', 'complete', 'success', 'succeeded', 'done']);
const FAILED = new Set(['failed', 'failure', 'error', 'cancelled', 'canceled', 'timeout', 'timed_out', 'aborted']);

/** How an execution status reads: still going, or ended one way or the other. */
export function executionOutcome(status: string): 'running' | 'completed' | 'failed' {
  const normal = status.trim().toLowerCase();
  if (SUCCEEDED.has(normal)) return 'completed';
  if (FAILED.has(normal)) return 'failed';
  return 'running';
}

/** Starts the playbook; the execution id on stdout (the result with -o json/yaml); with --wait, follows it to the end. */
export async function runRun(opts: RunOptions, deps: RunDeps): Promise<void> {
  const variables: Record<string, unknown> = opts.varsFile ? await readObjectInput(opts.varsFile, '--vars', deps.io) : {};
  for (const [name, value] of opts.vars) variables[name] = value;
  const gateway = await deps.gateway();
  const started = await gateway.executePlaybook(opts.playbook, variables);
  const id = String(started.id);
  if (!opts.wait) {
    if (opts.output === 'table') deps.io.stdout.write(`${id}\n`);
    else printStructured(deps.io, opts.output, started);
    deps.info(`started ${opts.playbook}: execution ${id} (${started.status})`);
    return;
  }
  if (opts.output === 'table') deps.io.stdout.write(`${id}\n`);
  deps.info(`started ${opts.playbook}: execution ${id}; waiting for it to end (at most ${formatSeconds(opts.timeoutSeconds)})`);
  const final = await waitForEnd(gateway, id, opts.timeoutSeconds, deps);
  if (opts.output !== 'table') printStructured(deps.io, opts.output, final);
  if (executionOutcome(final.status) === 'failed') throw new CommandExit(`execution ${id} ${final.status}`, ExitCode.failure);
  deps.info(`execution ${id} ${final.status}`);
}

/** Polls execution(id) with a growing interval until it ends or `timeoutSeconds` have passed (exit 1). */
async function waitForEnd(gateway: Gateway, id: string, timeoutSeconds: number, deps: RunDeps): Promise<ExecutionState> {
  const sleep = deps.sleep ?? ((ms: number) => delay(ms));
  const deadline = deps.now().getTime() + timeoutSeconds * 1000;
  // Asked at once: a short playbook may be over already, and its result comes only from execution(id).
  let state = await gateway.execution(id);
  let interval = FIRST_POLL_MS;
  while (executionOutcome(state.status) === 'running') {
    const left = deadline - deps.now().getTime();
    if (left <= 0) {
      throw new CommandExit(`execution ${id} is still ${state.status} after ${formatSeconds(timeoutSeconds)}: follow it with \`noetl execution status ${id}\``, ExitCode.failure);
    }
    await sleep(Math.min(interval, left));
    interval = Math.min(Math.round(interval * POLL_GROWTH), LONGEST_POLL_MS);
    state = await gateway.execution(id);
  }
  return state;
}

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
