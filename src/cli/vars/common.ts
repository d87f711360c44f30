import { isSecretKey, looksLikeSecretValue, maskString, maskValue } from '../../core/mask.js';
import type { ExecutionVariable } from '../../backends/sql/variables.js';

/** Whether a variable's whole value is secret: a bearer token, or a name like `oauth_token`. */
export function isSecretVariable(v: Pick<ExecutionVariable, 'name' | 'type'>): boolean {
  return v.type === 'bearer_token' || isSecretKey(v.name);
}

/** A variable's value as shown without --reveal: secret variables masked whole, else secret-looking parts. */
export function displayValue(v: Pick<ExecutionVariable, 'name' | 'type' | 'value'>, reveal: boolean): unknown {
  if (reveal) return v.value;
  return isSecretVariable(v) ? maskValue(v.value) : maskSecrets(v.value);
}

/** Masks the leaves under secret-named keys and strings that look like secrets (JWTs, PEM keys). */
export function maskSecrets(value: unknown): unknown {
  if (typeof value === 'string') return looksLikeSecretValue(value) ? maskString(value) : value;
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, isSecretKey(k) ? maskValue(v) : maskSecrets(v)]));
  }
  return value;
}

/** A variable as `vars get` and `vars show` print it in JSON/YAML (value masked unless `reveal`). */
export function variableRecord(v: ExecutionVariable, reveal: boolean) {
  return {
    execution_id: v.executionId,
    name: v.name,
    type: v.type,
    source_step: v.sourceStep,
    created_at: v.createdAt.toISOString(),
    updated_at: v.updatedAt.toISOString(),
    value: displayValue(v, reveal),
  };
}

/** One line of a value for a table: strings as they are, the rest as compact JSON, cut to `width`. */
export function preview(value: unknown, width = 60): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const oneLine = (text ?? 'null').replace(/\s+/g, ' ').trim();
  return oneLine.length > width ? `${oneLine.slice(0, width - 1)}…` : oneLine;
}
