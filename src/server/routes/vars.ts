/**
 * Execution variables (API.md "Execution variables"): both upstream request dialects (Python's
 * `variables` map, Rust's `variables` array), answers in ours and Python's shape. Values are in
 * clear for a token allowed to reveal (reveal=false: masked), masked for others. Over client.vars only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NoetlClient } from '../../api/index.js';
import type { SetVariableInput, Variable, VariableType } from '../../api/vars.js';
import { invalidError } from '../../core/errors.js';
import { checkVariableName, checkVariableType, variableError, variableJson, VARIABLE_TYPES } from '../../core/variables.js';
import { FLAG, flagOf, ID64_TEXT, id64Of, mayReveal, noteReveal } from './common.js';

const MAX_VARIABLES_PER_REQUEST = 1000;
const VAR_TYPE = { type: 'string', enum: VARIABLE_TYPES } as const;
/** In a body, null is "not given" (upstream clients send it): the default type, computed. */
const NULLABLE_VAR_TYPE = { anyOf: [VAR_TYPE, { type: 'null' }] } as const;
const SOURCE_STEP = { anyOf: [{ type: 'string', maxLength: 256 }, { type: 'null' }] } as const;
const EXECUTION_PARAMS = { type: 'object', additionalProperties: false, required: ['execution_id'], properties: { execution_id: ID64_TEXT } } as const;
const VARIABLE_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['execution_id', 'var_name'],
  properties: { execution_id: ID64_TEXT, var_name: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

const SET_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['variables'],
  properties: {
    variables: {
      description: 'Python: {"<name>": <value>}; Rust: [{var_name, var_value, var_type?, source_step?}]',
      anyOf: [
        { type: 'object', maxProperties: MAX_VARIABLES_PER_REQUEST },
        {
          type: 'array',
          maxItems: MAX_VARIABLES_PER_REQUEST,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['var_name', 'var_value'],
            properties: { var_name: { type: 'string' }, var_value: {}, var_type: NULLABLE_VAR_TYPE, source_step: SOURCE_STEP },
          },
        },
      ],
    },
    var_type: NULLABLE_VAR_TYPE,
    source_step: SOURCE_STEP,
  },
} as const;

interface SetBody {
  variables: Record<string, unknown> | { var_name: string; var_value: unknown; var_type?: VariableType | null; source_step?: string | null }[];
  var_type?: VariableType | null;
  source_step?: string | null;
}

/** The variables a POST sets, every one checked before any is written (bad input writes nothing). */
function inputsOf(executionId: string, body: SetBody): SetVariableInput[] {
  const inputs: SetVariableInput[] = Array.isArray(body.variables)
    ? body.variables.map((v) => ({ execution_id: executionId, name: v.var_name, value: v.var_value, type: v.var_type ?? body.var_type ?? undefined, source_step: v.source_step ?? body.source_step }))
    : Object.entries(body.variables).map(([name, value]) => ({ execution_id: executionId, name, value, type: body.var_type ?? undefined, source_step: body.source_step }));
  if (!inputs.length) throw invalidError('variables is empty: give at least one variable to set');
  const seen = new Set<string>();
  for (const input of inputs) {
    checkVariableName(input.name);
    if (seen.has(input.name)) throw invalidError(`variable '${input.name}' is given twice`);
    seen.add(input.name);
    if (input.type !== undefined) checkVariableType(input.type);
    variableJson(input.name, input.value);
    if (input.type === 'bearer_token' && (typeof input.value !== 'string' || input.value === '')) throw variableError(`bearer token '${input.name}' must be a non-empty string`, 'invalid-value');
  }
  return inputs.map((i) => Object.fromEntries(Object.entries(i).filter(([, v]) => v !== undefined)) as unknown as SetVariableInput);
}

/** A variable as API.md answers it; access tracking is not kept by this database (null). */
function variableFields(v: Variable) {
  return { value: v.value, type: v.type, source_step: v.source_step, created_at: v.created_at, updated_at: v.updated_at, accessed_at: null, access_count: null };
}

export function registerVarsRoutes(app: FastifyInstance, deps: { client: NoetlClient }): void {
  const vars = deps.client.vars;

  /** Whether this read answers in clear: revealers unless they asked reveal=false (audited). */
  function revealFor(request: FastifyRequest, asked: string | undefined, target: string): boolean {
    const reveal = mayReveal(request) && flagOf(asked) !== false;
    if (reveal) noteReveal(request, target);
    return reveal;
  }

  app.get('/api/vars/stats', { schema: { summary: 'Execution variable statistics (ours)', tags: ['vars'] } }, async () => vars.stats());

  app.get<{ Params: { execution_id: string }; Querystring: { type?: VariableType; reveal?: string } }>(
    '/api/vars/:execution_id',
    {
      schema: {
        summary: "An execution's variables, oldest first, as a map by name; values in clear for revealer and admin tokens (reveal=false: masked)",
        tags: ['vars'],
        params: EXECUTION_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: { type: VAR_TYPE, reveal: FLAG } },
      },
    },
    async (request) => {
      const executionId = id64Of(request.params.execution_id, 'execution_id');
      const reveal = revealFor(request, request.query.reveal, executionId);
      const list = await vars.list(executionId, { type: request.query.type, reveal });
      return { execution_id: executionId, count: list.length, variables: Object.fromEntries(list.map((v) => [v.name, variableFields(v)])) };
    },
  );

  app.get<{ Params: { execution_id: string; var_name: string }; Querystring: { reveal?: string } }>(
    '/api/vars/:execution_id/:var_name',
    {
      schema: {
        summary: 'One variable; its value in clear for revealer and admin tokens (reveal=false: masked)',
        tags: ['vars'],
        params: VARIABLE_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: { reveal: FLAG } },
      },
    },
    async (request) => {
      const executionId = id64Of(request.params.execution_id, 'execution_id');
      const name = request.params.var_name;
      const reveal = revealFor(request, request.query.reveal, `${executionId}/${name}`);
      const v = await vars.get(executionId, name, { reveal });
      return { execution_id: v.execution_id, var_name: v.name, ...variableFields(v) };
    },
  );

  app.post<{ Params: { execution_id: string }; Body: SetBody }>(
    '/api/vars/:execution_id',
    {
      config: { access: 'writer', audit: true },
      schema: { summary: 'Set variables (Python map or Rust array body); answers the names set and the variables, masked', tags: ['vars'], params: EXECUTION_PARAMS, body: SET_BODY },
    },
    async (request) => {
      const executionId = id64Of(request.params.execution_id, 'execution_id');
      const set: Variable[] = [];
      for (const input of inputsOf(executionId, request.body)) set.push(await vars.set(input));
      return { execution_id: executionId, variables_set: set.length, var_names: set.map((v) => v.name), variables: set };
    },
  );

  app.delete<{ Params: { execution_id: string; var_name: string } }>(
    '/api/vars/:execution_id/:var_name',
    { config: { access: 'writer', audit: true }, schema: { summary: 'Delete one variable; 404 when absent', tags: ['vars'], params: VARIABLE_PARAMS } },
    async (request) => {
      const removed = await vars.remove(id64Of(request.params.execution_id, 'execution_id'), request.params.var_name);
      return { execution_id: removed.execution_id, var_name: removed.name, deleted: true };
    },
  );

  app.delete<{ Params: { execution_id: string } }>(
    '/api/vars/:execution_id',
    { config: { access: 'writer', audit: true }, schema: { summary: 'Delete every variable of an execution', tags: ['vars'], params: EXECUTION_PARAMS } },
    async (request) => {
      const removed = await vars.removeAll(id64Of(request.params.execution_id, 'execution_id'));
      return { execution_id: removed.execution_id, deleted_count: removed.removed };
    },
  );
}
