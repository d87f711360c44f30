/**
 * The execution_variable table: rows in, rows out. Names, types, ids and values are checked
 * before they get here (src/core/variables.ts, src/backends/local/vars.ts). Execution ids are
 * 64-bit decimal strings, never numbers.
 */
import { parseJsonExact } from '../../core/json.js';
import type { VariableType } from '../../core/variables.js';
import type { Queryable, Store } from './store.js';

// The render command reads variables through this module until it moves onto the client.
export { mergeVariables } from '../../core/variables.js';

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
  return store.transaction(async (tx) => {
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
  });
}

export async function getVariableRecord(db: Queryable, executionId: string, name: string): Promise<ExecutionVariable | undefined> {
  const { rows } = await db.query<VariableRow>(`SELECT ${COLUMNS} FROM execution_variable WHERE execution_id = $1 AND variable_name = $2`, [executionId, name]);
  return rows[0] ? toVariable(rows[0]) : undefined;
}

/** An execution's variables, oldest first (the seeds' "current variables" query). */
export async function listVariables(db: Queryable, executionId: string, options: { type?: VariableType } = {}): Promise<ExecutionVariable[]> {
  const params: unknown[] = [executionId];
  let where = 'execution_id = $1';
  if (options.type) {
    params.push(options.type);
    where += ' AND variable_type = $2';
  }
  const { rows } = await db.query<VariableRow>(`SELECT ${COLUMNS} FROM execution_variable WHERE ${where} ORDER BY created_at ASC, variable_name ASC`, params);
  return rows.map(toVariable);
}

/** The names of an execution's variables, without their values. */
export async function listVariableNames(db: Queryable, executionId: string): Promise<string[]> {
  const { rows } = await db.query<{ variable_name: string }>('SELECT variable_name FROM execution_variable WHERE execution_id = $1 ORDER BY variable_name', [executionId]);
  return rows.map((r) => r.variable_name);
}

/** Deletes one variable; false when there was none. */
export async function deleteVariable(db: Queryable, executionId: string, name: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM execution_variable WHERE execution_id = $1 AND variable_name = $2', [executionId, name]);
  return rowCount > 0;
}

/** Deletes every variable of an execution; how many there were. */
export async function deleteExecutionVariables(db: Queryable, executionId: string): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM execution_variable WHERE execution_id = $1', [executionId]);
  return rowCount;
}

export interface VariableStatsRows {
  byType: { type: VariableType; count: number; executions: number }[];
  totalVariables: number;
  totalExecutions: number;
  /** The latest 100 bearer tokens, newest first (no values). */
  recentBearerTokens: { executionId: string; name: string; sourceStep: string | null; createdAt: Date }[];
}

export async function variableStats(db: Queryable): Promise<VariableStatsRows> {
  const byType = await db.query<{ variable_type: VariableType; count: string; executions: string }>(
    `SELECT variable_type, COUNT(*) AS count, COUNT(DISTINCT execution_id) AS executions
     FROM execution_variable GROUP BY variable_type ORDER BY variable_type`,
  );
  const totals = await db.query<{ variables: string; executions: string }>('SELECT COUNT(*) AS variables, COUNT(DISTINCT execution_id) AS executions FROM execution_variable');
  const bearer = await db.query<Pick<VariableRow, 'execution_id' | 'variable_name' | 'source_step' | 'created_at'>>(
    `SELECT execution_id, variable_name, source_step, created_at FROM execution_variable
     WHERE variable_type = 'bearer_token' ORDER BY created_at DESC, execution_id DESC, variable_name LIMIT 100`,
  );
  return {
    byType: byType.rows.map((r) => ({ type: r.variable_type, count: Number(r.count), executions: Number(r.executions) })),
    totalVariables: Number(totals.rows[0].variables),
    totalExecutions: Number(totals.rows[0].executions),
    recentBearerTokens: bearer.rows.map((r) => ({ executionId: String(r.execution_id), name: r.variable_name, sourceStep: r.source_step, createdAt: r.created_at })),
  };
}
