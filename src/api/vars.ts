/** The vars group of NoetlClient: execution variables (seed 005). Wire types are snake_case (API.md). */
import type { StoredVariableType, VariableType } from '../core/variables.js';

export type { StoredVariableType, VariableType };

/** One variable of an execution. `execution_id` is a 64-bit id as a decimal string; times RFC 3339 UTC. */
export interface Variable {
  execution_id: string;
  name: string;
  /** On an upstream NoETL database also 'iterator_state' (upstream's own rows). */
  type: StoredVariableType;
  source_step: string | null;
  created_at: string;
  updated_at: string;
  /** The JSON value; masked unless revealed (a bearer token whole, else secret-looking parts). */
  value: unknown;
}

export interface SetVariableInput {
  execution_id: string;
  /** An identifier a template can use as `{{ name }}`. */
  name: string;
  /** Any JSON value; a bearer_token is a non-empty string. */
  value: unknown;
  /** `computed` by default. */
  type?: VariableType;
  source_step?: string | null;
}

export interface GetVariableOptions {
  /** The value in clear; masked otherwise. */
  reveal?: boolean;
}

export interface ListVariablesOptions {
  /** Only variables of this type. */
  type?: VariableType;
  reveal?: boolean;
}

/** What removing did: one variable (`name`) or all of an execution (`name: null`). */
export interface VariablesRemoved {
  execution_id: string;
  name: string | null;
  removed: number;
}

/** The seeds' monitoring queries over execution variables. */
export interface VariableStats {
  total_variables: number;
  total_executions: number;
  /** Per type: how many variables in how many executions. */
  by_type: { type: StoredVariableType; count: number; executions: number }[];
  /** The latest 100 bearer tokens, newest first, without their values. */
  recent_bearer_tokens: { execution_id: string; name: string; source_step: string | null; created_at: string }[];
}

export interface VarsApi {
  /** Creates or replaces a variable (created_at kept on replace); the result's value is masked. */
  set(input: SetVariableInput): Promise<Variable>;
  /** One variable; not_found (with a did-you-mean) when the execution has no such variable. */
  get(executionId: string, name: string, options?: GetVariableOptions): Promise<Variable>;
  /** An execution's variables, oldest first; `[]` when none. */
  list(executionId: string, options?: ListVariablesOptions): Promise<Variable[]>;
  /** Deletes one variable; not_found when absent. */
  remove(executionId: string, name: string): Promise<VariablesRemoved>;
  /** Deletes every variable of an execution (when it completes); `removed: 0` when there were none. */
  removeAll(executionId: string): Promise<VariablesRemoved>;
  stats(): Promise<VariableStats>;
}
