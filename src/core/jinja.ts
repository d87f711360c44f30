/**
 * Jinja2-compatible rendering of playbook templates with nunjucks. nunjucks is loaded on
 * first use (await import), so nothing that merely imports this module pays for it.
 * An undefined variable is an error, never a silent empty string.
 */
import type { Environment } from 'nunjucks';
import { templateReferences } from './templates.js';

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

let environment: Promise<Environment> | undefined;

function loadEnvironment(): Promise<Environment> {
  environment ??= import('nunjucks').then((mod) => {
    const nunjucks = (mod as unknown as { default?: typeof import('nunjucks') }).default ?? mod;
    return new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
  });
  return environment;
}

/**
 * The context playbooks render with: workload keys both as `workload.x` and bare `x`,
 * plus `extra` (keychain, execution_id, …), which wins over a workload key of the same name.
 */
export function workloadContext(workload: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...workload, workload, ...extra };
}

/** Whether a string contains template syntax at all (rendering it would change it). */
export function isTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

/** Renders one template string. Throws TemplateError naming the template on any failure. */
export async function renderTemplate(text: string, context: Record<string, unknown>): Promise<string> {
  if (!isTemplate(text)) return text;
  const env = await loadEnvironment();
  try {
    return env.renderString(text, context);
  } catch (err) {
    throw new TemplateError(`cannot render '${shorten(text)}': ${describeRenderError(err, text, context)}`);
  }
}

/** Renders every string inside a JSON-like value (objects, arrays), keeping its shape. */
export async function renderValue<T>(value: T, context: Record<string, unknown>): Promise<T> {
  if (typeof value === 'string') return (await renderTemplate(value, context)) as T;
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => renderValue(v, context)))) as T;
  if (value !== null && typeof value === 'object') {
    const entries = await Promise.all(
      Object.entries(value as Record<string, unknown>).map(async ([k, v]) => [k, await renderValue(v, context)] as const),
    );
    return Object.fromEntries(entries) as T;
  }
  return value;
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

/** nunjucks wraps errors as "Template render error: (unknown path)\n  Error: …"; keep the cause. */
function describeRenderError(err: unknown, text: string, context: Record<string, unknown>): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const cause = lines[lines.length - 1] ?? message;
  const plain = cause.replace(/^(Template render error:|Error:)\s*/, '');
  if (!/null or undefined/.test(plain)) return plain;
  const missing = firstUndefinedPath(text, context);
  return missing ? `'${missing}' is not defined` : 'it refers to an undefined value';
}

/** The first variable path the template refers to that does not resolve in context. */
function firstUndefinedPath(text: string, context: Record<string, unknown>): string | undefined {
  for (const ref of templateReferences(text)) {
    const names = [ref.root, ...ref.path.map((p) => p.name)];
    let value: unknown = context;
    for (let i = 0; i < names.length; i++) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[names[i]] : undefined;
      if (value === undefined || value === null) return names.slice(0, i + 1).join('.');
    }
  }
  return undefined;
}
