/**
 * Execution variables: rows in, rows out, in either layout. On noetl's own layout they are the
 * seeds' `execution_variable` table; on an upstream NoETL layout, upstream's `transient` table
 * (`var_name`, `var_type`, `var_value`, …). Upstream's var_type CHECK has no 'bearer_token': a
 * bearer token is stored there as 'computed' (var_value the plain token string, as upstream's
 * templates read it) and marked in `transient_bearer` (added when noetl adopts the schema); a
 * mark counts only while its row is still 'computed'. Names, types, ids and values are checked
 * before they get here (src/core/variables.ts, src/backends/local/vars.ts). Execution ids are
 * 64-bit decimal strings, never numbers.
 */
import { parseJsonExact } from '../../core/json.js';
import type { StoredVariableType, VariableType } from '../../core/variables.js';
import { storeLayout } from './layout.js';
import type { Queryable, Store } from './store.js';

// The render command reads variables through this module until it moves onto the client.
export { mergeVariables } from '../../core/variables.js';

export interface ExecutionVariable {
  executionId: string;
  name: string;
  /** Upstream's transient may also hold 'iterator_state' rows (read here, never written by noetl). */
  type: StoredVariableType;
  value: unknown;
  sourceStep: string | null;
  createdAt: Date;
  /** Upstream's transient has no updated_at: there, the last write (accessed_at). */
  updatedAt: Date;
}

interface VariableRow {
  execution_id: string;
  variable_name: string;
  variable_type: StoredVariableType;
  /** The JSONB value as text, parsed by parseJsonExact (pg's own parse would round 64-bit ids). */
  variable_value: string;
  source_step: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Both layouts' variables as one relation with execution_variable's column names. */
const VARIABLES = {
  ours: 'execution_variable',
  upstream: `(SELECT t.execution_id, t.var_name AS variable_name,
                     CASE WHEN t.var_type = 'computed' AND b.var_name IS NOT NULL THEN 'bearer_token' ELSE t.var_type END AS variable_type,
                     t.var_value AS variable_value, t.source_step, t.created_at, t.accessed_at AS updated_at
              FROM transient t LEFT JOIN transient_bearer b ON b.execution_id = t.execution_id AND b.var_name = t.var_name)`,
} as const;

const COLUMNS = 'execution_id, variable_name, variable_type, variable_value::text AS variable_value, source_step, created_at, updated_at';

async function variables(store: Store): Promise<string> {
  return `${VARIABLES[await storeLayout(store)]} v`;
}

function toVariable(row: VariableRow): ExecutionVariable {
  return {
    executionId: String(row.execution_id),
    name: row.variable_name,
    type: row.variable_type,
    value: parseJsonExact(row.variable_value, `variable '${row.variable_name}'`),
    sourceStep: row.source_step,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export interface VariableUpsert {
  executionId: string;
  name: string;
  type: VariableType;
  /** The value as JSON text. */
  json: string;
  sourceStep: string | null;
}

/** Inserts or replaces a variable (created_at kept on replace) and reads it back in the same transaction: a row that does not parse is not committed. */
export async function upsertVariable(store: Store, row: VariableUpsert): Promise<ExecutionVariable> {
  const now = store.now();
  const layout = await storeLayout(store);
  return store.transaction(async (tx) => {
    if (layout === 'ours') {
      const { rows } = await tx.query<VariableRow>(
        `INSERT INTO execution_variable (execution_id, variable_name, variable_type, variable_value, source_step, created_at, updated_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6)
         ON CONFLICT (execution_id, variable_name) DO UPDATE
           SET variable_type = EXCLUDED.variable_type, variable_value = EXCLUDED.variable_value,
               source_step = EXCLUDED.source_step, updated_at = EXCLUDED.updated_at
         RETURNING ${COLUMNS}`,
        [row.executionId, row.name, row.type, row.json, row.sourceStep, now],
      );
      return toVariable(rows[0]);
    }
    const bearer = row.type === 'bearer_token';
    // scope and expires_at are upstream's: a new row gets their defaults, a replaced one keeps them.
    await tx.query(
      `INSERT INTO transient (execution_id, var_name, var_type, var_value, source_step, created_at, accessed_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6)
       ON CONFLICT (execution_id, var_name) DO UPDATE
         SET var_type = EXCLUDED.var_type, var_value = EXCLUDED.var_value,
             source_step = EXCLUDED.source_step, accessed_at = EXCLUDED.accessed_at`,
      [row.executionId, row.name, bearer ? 'computed' : row.type, row.json, row.sourceStep, now],
    );
    await tx.query(
      bearer
        ? 'INSERT INTO transient_bearer (execution_id, var_name) VALUES ($1, $2) ON CONFLICT DO NOTHING'
        : 'DELETE FROM transient_bearer WHERE execution_id = $1 AND var_name = $2',
      [row.executionId, row.name],
    );
    const { rows } = await tx.query<VariableRow>(`SELECT ${COLUMNS} FROM ${VARIABLES.upstream} v WHERE execution_id = $1 AND variable_name = $2`, [
      row.executionId,
      row.name,
    ]);
    return toVariable(rows[0]);
  });
}

export async function getVariableRecord(store: Store, executionId: string, name: string): Promise<ExecutionVariable | undefined> {
  const { rows } = await store.query<VariableRow>(`SELECT ${COLUMNS} FROM ${await variables(store)} WHERE execution_id = $1 AND variable_name = $2`, [executionId, name]);
  return rows[0] ? toVariable(rows[0]) : undefined;
}

/** An execution's variables, oldest first (the seeds' "current variables" query). */
export async function listVariables(store: Store, executionId: string, options: { type?: VariableType } = {}): Promise<ExecutionVariable[]> {
  const params: unknown[] = [executionId];
  let where = 'execution_id = $1';
  if (options.type) {
    params.push(options.type);
    where += ' AND variable_type = $2';
  }
  const { rows } = await store.query<VariableRow>(`SELECT ${COLUMNS} FROM ${await variables(store)} WHERE ${where} ORDER BY created_at ASC, variable_name ASC`, params);
  return rows.map(toVariable);
}

/** The names of an execution's variables, without their values. */
export async function listVariableNames(store: Store, executionId: string): Promise<string[]> {
  const { rows } = await store.query<{ variable_name: string }>(`SELECT variable_name FROM ${await variables(store)} WHERE execution_id = $1 ORDER BY variable_name`, [executionId]);
  return rows.map((r) => r.variable_name);
}

/** Deletes one variable of an execution, or all of them (and, upstream, their bearer marks); how many. */
async function deleteVariables(store: Store, executionId: string, name?: string): Promise<number> {
  const params = name === undefined ? [executionId] : [executionId, name];
  if ((await storeLayout(store)) === 'ours') {
    return (await store.query(`DELETE FROM execution_variable WHERE execution_id = $1${name === undefined ? '' : ' AND variable_name = $2'}`, params)).rowCount;
  }
  const where = `execution_id = $1${name === undefined ? '' : ' AND var_name = $2'}`;
  return store.transaction(async (tx: Queryable) => {
    await tx.query(`DELETE FROM transient_bearer WHERE ${where}`, params);
    return (await tx.query(`DELETE FROM transient WHERE ${where}`, params)).rowCount;
  });
}

/** Deletes one variable; false when there was none. */
export async function deleteVariable(store: Store, executionId: string, name: string): Promise<boolean> {
  return (await deleteVariables(store, executionId, name)) > 0;
}

/** Deletes every variable of an execution; how many there were. */
export async function deleteExecutionVariables(store: Store, executionId: string): Promise<number> {
  return deleteVariables(store, executionId);
}

export interface VariableStatsRows {
  byType: { type: StoredVariableType; count: number; executions: number }[];
  totalVariables: number;
  totalExecutions: number;
  /** The latest 100 bearer tokens, newest first (no values). */
  recentBearerTokens: { executionId: string; name: string; sourceStep: string | null; createdAt: Date }[];
}

export async function variableStats(store: Store): Promise<VariableStatsRows> {
  const from = await variables(store);
  const byType = await store.query<{ variable_type: StoredVariableType; count: string; executions: string }>(
    `SELECT variable_type, COUNT(*) AS count, COUNT(DISTINCT execution_id) AS executions
     FROM ${from} GROUP BY variable_type ORDER BY variable_type`,
  );
  const totals = await store.query<{ variables: string; executions: string }>(`SELECT COUNT(*) AS variables, COUNT(DISTINCT execution_id) AS executions FROM ${from}`);
  const bearer = await store.query<Pick<VariableRow, 'execution_id' | 'variable_name' | 'source_step' | 'created_at'>>(
    `SELECT execution_id, variable_name, source_step, created_at FROM ${from}
     WHERE variable_type = 'bearer_token' ORDER BY created_at DESC, execution_id DESC, variable_name LIMIT 100`,
  );
  return {
    byType: byType.rows.map((r) => ({ type: r.variable_type, count: Number(r.count), executions: Number(r.executions) })),
    totalVariables: Number(totals.rows[0].variables),
    totalExecutions: Number(totals.rows[0].executions),
    recentBearerTokens: bearer.rows.map((r) => ({ executionId: String(r.execution_id), name: r.variable_name, sourceStep: r.source_step, createdAt: new Date(r.created_at) })),
  };
}
