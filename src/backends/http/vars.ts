/**
 * The vars group over HTTP (API.md "Execution variables"). Reads both upstream dialects: a
 * list as ours and Python's `{"variables": {"<name>": {value, type, …}}}` map or Rust's bare
 * array of `{var_name, var_type, var_value, …}`. Ids, names, types and values are checked here
 * first, with the same rules (and errors) as a direct database, so bad input costs no request.
 */
import type { Variable, VariableStats, VarsApi } from '../../api/vars.js';
import { checkVariableName, checkVariableType, executionIdOf, variableJson, type VariableType } from '../../core/variables.js';
import type { Transport } from './transport.js';
import { fieldsOf, id64, listOf, num, seg, str, strOrNull, time, type Fields } from './wire.js';

function variableOf(f: Fields, executionId: string, name?: string): Variable {
  const created = time(f.created_at);
  return {
    execution_id: id64(f.execution_id) ?? executionId,
    name: str(f.name ?? f.var_name, name),
    type: str(f.type ?? f.var_type, 'computed') as VariableType,
    source_step: strOrNull(f.source_step),
    created_at: created,
    updated_at: f.updated_at === undefined || f.updated_at === null ? created : time(f.updated_at),
    value: 'value' in f ? f.value : f.var_value,
  };
}

/** The variables of a list answer, in the server's order: a map by name, or an array. */
function variablesOf(answer: unknown, executionId: string): Variable[] {
  if (Array.isArray(answer)) return answer.map((v) => variableOf(fieldsOf(v, 'a variables listing'), executionId));
  const variables = fieldsOf(answer, 'a variables listing').variables;
  if (Array.isArray(variables)) return variables.map((v) => variableOf(fieldsOf(v, 'a variables listing'), executionId));
  return Object.entries(fieldsOf(variables ?? {}, 'a variables listing')).map(([name, v]) => variableOf(fieldsOf(v, 'a variables listing'), executionId, name));
}

export function httpVars(transport: Transport): VarsApi {
  const read = async (id: string, name: string, reveal: boolean): Promise<Variable> => {
    const answer = await transport.request('GET', `/api/vars/${seg(id)}/${seg(name)}`, { query: { reveal } });
    return variableOf(fieldsOf(answer, 'a variable read'), id, name);
  };
  return {
    async set(input) {
      const id = executionIdOf(input.execution_id);
      const name = checkVariableName(input.name);
      const type = checkVariableType(input.type ?? 'computed');
      variableJson(name, input.value);
      const body = { variables: { [name]: input.value }, var_type: type, ...(input.source_step != null ? { source_step: input.source_step } : {}) };
      const f = fieldsOf(await transport.request('POST', `/api/vars/${seg(id)}`, { body }), 'a variable write');
      // Ours answers the records written; an upstream server only their names, so the record is read back.
      const written = listOf(f.variables ?? f.records).map((v) => variableOf(fieldsOf(v, 'a variable write'), id)).find((v) => v.name === name);
      return written ?? read(id, name, false);
    },
    async get(executionId, name, options = {}) {
      return read(executionIdOf(executionId), name, options.reveal === true);
    },
    async list(executionId, options = {}) {
      const id = executionIdOf(executionId);
      const type = options.type === undefined ? undefined : checkVariableType(options.type);
      const answer = await transport.request('GET', `/api/vars/${seg(id)}`, { query: { type, reveal: options.reveal === true } });
      return variablesOf(answer, id).filter((v) => type === undefined || v.type === type);
    },
    async remove(executionId, name) {
      const id = executionIdOf(executionId);
      await transport.request('DELETE', `/api/vars/${seg(id)}/${seg(name)}`);
      return { execution_id: id, name, removed: 1 };
    },
    async removeAll(executionId) {
      const id = executionIdOf(executionId);
      const f = fieldsOf(await transport.request('DELETE', `/api/vars/${seg(id)}`), 'a variables delete');
      return { execution_id: id, name: null, removed: num(f.deleted_count ?? f.removed) };
    },
    async stats() {
      return (await transport.request('GET', '/api/vars/stats')) as VariableStats;
    },
  };
}
