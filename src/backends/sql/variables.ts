import { bearerTokenFromResult } from '../../core/bearer.js';
import { NoetlError } from '../../core/errors.js';
import { parseId64 } from '../../core/ids.js';
import { checkJsonNesting, parseJsonExact } from '../../core/json.js';
import type { Store } from './store.js';

/**
 * Execution variables (seeds 000/001): values scoped to one execution, visible to its
 * templates as `{{ name }}`. Execution ids are 64-bit decimal strings, never numbers.
 */
export const VARIABLE_TYPES = ['step_result', 'bearer_token', 'computed', 'user_defined'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

export function isVariableType(text: string): text is VariableType {
  return (VARIABLE_TYPES as readonly string[]).includes(text);
}

/**
 * Names a worker puts in every template context itself; a variable with one of these names
 * would shadow it, so it is never merged (seeds' context: workload, spec, job; plus keychain).
 */
export const BASE_CONTEXT_KEYS = ['workload', 'spec', 'job', 'keychain'] as const;

export interface ExecutionVariable {
  executionId: string;
  name: string;
  type: VariableType;
  value: unknown;
  sourceStep: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface VariableRow {
  execution_id: string;
  variable_name: string;
  variable_type: VariableType;
  /** The JSONB value as text, parsed by parseJsonExact (pg's own parse would round 64-bit ids). */
  variable_value: string;
  source_step: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'execution_id, variable_name, variable_type, variable_value::text AS variable_value, source_step, created_at, updated_at';

// Exported here too: the library has always offered it beside the variables it reads.
export { parseJsonExact };

function toVariable(row: VariableRow): ExecutionVariable {
  return {
    executionId: String(row.execution_id),
    name: row.variable_name,
    type: row.variable_type,
    value: parseJsonExact(row.variable_value, `variable '${row.variable_name}'`),
    sourceStep: row.source_step,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Invalid input to a variable operation (`invalid`), with why, for callers to tell apart. */
function variableError(message: string, reason: 'invalid-id' | 'invalid-name' | 'invalid-type' | 'invalid-value' | 'bearer-result'): NoetlError {
  return new NoetlError('invalid', message, { reason });
}

/** A variable is referenced in templates as `{{ name }}`: an identifier, as the template language reads one. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Words the template language reads as literals or operators, never as a variable. */
const TEMPLATE_WORDS = new Set(['true', 'false', 'none', 'True', 'False', 'None', 'and', 'or', 'not', 'in', 'is', 'if', 'else']);

/** Refuses a name no template could reference (exit 2); JSON-quoted in the message so no control character reaches the terminal. */
export function checkVariableName(name: string): string {
  if (!VARIABLE_NAME.test(name) || TEMPLATE_WORDS.has(name)) {
    throw variableError(
      `variable name ${JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)} is not valid: use 1-128 letters, digits and '_', starting with a letter or '_', not a template word (true, none, and, in, …), so templates can use it as {{ name }}`,
      'invalid-name',
    );
  }
  return name;
}

export interface SetVariableInput {
  executionId: string;
  name: string;
  value: unknown;
  type?: VariableType;
  sourceStep?: string | null;
}

/** The canonical 64-bit execution id, or a NoetlError: ids are decimal strings, never numbers. */
export function executionIdOf(text: string): string {
  const id = parseId64(String(text));
  if (id === undefined) throw variableError(`execution id '${text}' is not a 64-bit number (e.g. 507431238966182398)`, 'invalid-id');
  return id;
}

/** Creates or replaces a variable (created_at kept on replace); returns it as stored. */
export async function setVariable(store: Store, input: SetVariableInput): Promise<ExecutionVariable> {
  const type = input.type ?? 'computed';
  if (!isVariableType(type)) throw variableError(`unknown variable type '${type}': expected one of ${VARIABLE_TYPES.join(', ')}`, 'invalid-type');
  checkVariableName(input.name);
  if (input.value === undefined) throw variableError(`variable '${input.name}' has no value`, 'invalid-value');
  const json = storableJson(input.name, input.value);
  const now = store.now();
  // Read back inside the transaction: should the stored row not parse, nothing is committed.
  return store.transaction(async (tx) => {
    const { rows } = await tx.query<VariableRow>(
      `INSERT INTO execution_variable (execution_id, variable_name, variable_type, variable_value, source_step, created_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6)
       ON CONFLICT (execution_id, variable_name) DO UPDATE
         SET variable_type = EXCLUDED.variable_type, variable_value = EXCLUDED.variable_value,
             source_step = EXCLUDED.source_step, updated_at = EXCLUDED.updated_at
       RETURNING ${COLUMNS}`,
      [executionIdOf(input.executionId), input.name, type, json, input.sourceStep ?? null, now],
    );
    return toVariable(rows[0]);
  });
}

/** A value as the JSON text to store, refused (before anything is written) when it could not be read back. */
function storableJson(name: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    // A cycle, a BigInt, or nesting deep enough to overflow the stack; the message names no value.
    const why = err instanceof RangeError ? 'it is nested too deeply' : (err as Error).message.split('\n')[0];
    throw variableError(`variable '${name}' cannot be stored as JSON: ${why}`, 'invalid-value');
  }
  if (json === undefined) throw variableError(`variable '${name}' has no JSON value (a function or a symbol is not data)`, 'invalid-value');
  try {
    checkJsonNesting(json, `variable '${name}'`);
  } catch (err) {
    throw variableError((err as Error).message, 'invalid-value');
  }
  return json;
}

/** The variable's value, or undefined when the execution has no such variable. */
export async function getVariable(store: Store, executionId: string, name: string): Promise<unknown> {
  return (await getVariableRecord(store, executionId, name))?.value;
}

/** The whole stored record (type, source step, timestamps), or undefined. */
export async function getVariableRecord(store: Store, executionId: string, name: string): Promise<ExecutionVariable | undefined> {
  const { rows } = await store.query<VariableRow>(
    `SELECT ${COLUMNS} FROM execution_variable WHERE execution_id = $1 AND variable_name = $2`,
    [executionIdOf(executionId), name],
  );
  return rows[0] ? toVariable(rows[0]) : undefined;
}

/** An execution's variables as records, oldest first (the seeds' "current variables" query). */
export async function listVariables(store: Store, executionId: string, options: { type?: VariableType } = {}): Promise<ExecutionVariable[]> {
  const params: unknown[] = [executionIdOf(executionId)];
  let where = 'execution_id = $1';
  if (options.type) {
    params.push(options.type);
    where += ' AND variable_type = $2';
  }
  const { rows } = await store.query<VariableRow>(
    `SELECT ${COLUMNS} FROM execution_variable WHERE ${where} ORDER BY created_at ASC, variable_name ASC`,
    params,
  );
  return rows.map(toVariable);
}

/** How many variables an execution has, without reading their values. */
export async function countVariables(store: Store, executionId: string): Promise<number> {
  const { rows } = await store.query<{ count: string }>('SELECT COUNT(*) AS count FROM execution_variable WHERE execution_id = $1', [executionIdOf(executionId)]);
  return Number(rows[0].count);
}

/** Every variable of an execution as `{name: value}` (the seeds' get_all_variables). */
export async function getAllVariables(store: Store, executionId: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const v of await listVariables(store, executionId)) out[v.name] = v.value;
  return out;
}

/** Stores a token string as a `bearer_token` variable, naming the step that produced it. */
export async function setBearerToken(
  store: Store,
  input: { executionId: string; name: string; token: string; sourceStep?: string | null },
): Promise<ExecutionVariable> {
  if (typeof input.token !== 'string' || input.token === '') {
    throw variableError(`bearer token '${input.name}' must be a non-empty string`, 'invalid-value');
  }
  return setVariable(store, { executionId: input.executionId, name: input.name, value: input.token, type: 'bearer_token', sourceStep: input.sourceStep });
}

/**
 * The bearer pattern: a step with `auth: {bearer: true, variable: NAME}` finished with `result`.
 * A string result is the token; an object's `access_token` is; anything else is refused
 * (NoetlError 'bearer-result', whose message explains the expected return format).
 */
export async function setBearerTokenFromResult(
  store: Store,
  input: { executionId: string; variable: string; sourceStep: string; result: unknown },
): Promise<ExecutionVariable> {
  const extracted = bearerTokenFromResult(input.result, input.sourceStep);
  if (!extracted.ok) throw variableError(extracted.message, 'bearer-result');
  return setBearerToken(store, { executionId: input.executionId, name: input.variable, token: extracted.token, sourceStep: input.sourceStep });
}

/** A step's output as a `step_result` variable named after the step (`{{ step_name.field }}`). */
export async function setStepResult(store: Store, input: { executionId: string; stepName: string; result: unknown }): Promise<ExecutionVariable> {
  return setVariable(store, {
    executionId: input.executionId,
    name: input.stepName,
    value: input.result === undefined ? null : input.result,
    type: 'step_result',
    sourceStep: input.stepName,
  });
}

/** Deletes one variable; false when there was none. */
export async function deleteVariable(store: Store, executionId: string, name: string): Promise<boolean> {
  const { rowCount } = await store.query('DELETE FROM execution_variable WHERE execution_id = $1 AND variable_name = $2', [executionIdOf(executionId), name]);
  return rowCount > 0;
}

/** Deletes every variable of an execution (when it completes); returns how many there were. */
export async function cleanupExecution(store: Store, executionId: string): Promise<number> {
  const { rowCount } = await store.query('DELETE FROM execution_variable WHERE execution_id = $1', [executionIdOf(executionId)]);
  return rowCount;
}

export interface ExtendedContext {
  context: Record<string, unknown>;
  /** Variables not merged because their name is a base key of the context. */
  conflicts: { name: string; type: VariableType; sourceStep: string | null }[];
}

/**
 * The template context a worker renders with: `context` plus the execution's variables.
 * A variable never overrides a key of `context` or a reserved base key (workload, spec,
 * job, keychain); it is left out and reported as a conflict instead.
 */
export async function extendContextWithVariables(store: Store, context: Record<string, unknown>, executionId: string): Promise<ExtendedContext> {
  return mergeVariables(context, await listVariables(store, executionId));
}

/** The pure part of extendContextWithVariables, for callers that already hold the variables. */
export function mergeVariables(context: Record<string, unknown>, variables: ExecutionVariable[]): ExtendedContext {
  const merged: Record<string, unknown> = { ...context };
  const conflicts: ExtendedContext['conflicts'] = [];
  const reserved = new Set<string>([...BASE_CONTEXT_KEYS, ...Object.keys(context)]);
  for (const v of variables) {
    if (reserved.has(v.name)) conflicts.push({ name: v.name, type: v.type, sourceStep: v.sourceStep });
    else merged[v.name] = v.value;
  }
  return { context: merged, conflicts };
}

export interface VariableStats {
  /** Seeds' "variable usage patterns": per type, how many variables in how many executions. */
  byType: { type: VariableType; count: number; executions: number }[];
  totalVariables: number;
  totalExecutions: number;
  /** Seeds' "bearer tokens across executions": the latest 100, newest first (no values). */
  recentBearerTokens: { executionId: string; name: string; sourceStep: string | null; createdAt: Date }[];
}

export async function variableStats(store: Store): Promise<VariableStats> {
  const byType = await store.query<{ variable_type: VariableType; count: string; executions: string }>(
    `SELECT variable_type, COUNT(*) AS count, COUNT(DISTINCT execution_id) AS executions
     FROM execution_variable GROUP BY variable_type ORDER BY variable_type`,
  );
  const totals = await store.query<{ variables: string; executions: string }>(
    'SELECT COUNT(*) AS variables, COUNT(DISTINCT execution_id) AS executions FROM execution_variable',
  );
  const bearer = await store.query<Pick<VariableRow, 'execution_id' | 'variable_name' | 'source_step' | 'created_at'>>(
    `SELECT execution_id, variable_name, source_step, created_at FROM execution_variable
     WHERE variable_type = 'bearer_token' ORDER BY created_at DESC, execution_id DESC, variable_name LIMIT 100`,
  );
  return {
    byType: byType.rows.map((r) => ({ type: r.variable_type, count: Number(r.count), executions: Number(r.executions) })),
    totalVariables: Number(totals.rows[0].variables),
    totalExecutions: Number(totals.rows[0].executions),
    recentBearerTokens: bearer.rows.map((r) => ({
      executionId: String(r.execution_id),
      name: r.variable_name,
      sourceStep: r.source_step,
      createdAt: r.created_at,
    })),
  };
}
