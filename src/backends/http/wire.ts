/**
 * Reading answers of any NoETL server: ours, upstream Python's and upstream Rust's disagree on
 * nulls (kept or omitted), ids (numbers above 2^53, or strings) and envelopes. These helpers
 * take a field as it comes and give the wire type's form; parseJsonExact has already turned
 * integers beyond 2^53 into exact decimal strings.
 */
import { NoetlError } from '../../core/errors.js';

export type Fields = Record<string, unknown>;

/** The answer as an object; a server that answered something else is not speaking the API. */
export function fieldsOf(value: unknown, what: string): Fields {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Fields;
  throw new NoetlError('unavailable', `the server's answer to ${what} is not a JSON object: is it a NoETL server of a supported version?`);
}

/** A 64-bit id as its decimal string (numbers within 2^53 and strings as they come); null when absent. */
export function id64(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return null;
}

export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? fallback : String(value);
}

export function strOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : str(value);
}

export function num(value: unknown, fallback = 0): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
}

export function bool(value: unknown, fallback = false): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** A timestamp as RFC 3339 UTC (`…Z`); upstream Python may send one without a zone, which is UTC. */
export function time(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '';
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

export function objOrNull(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The list in an answer: a bare array (Rust), or under one of `keys` of an envelope. */
export function listOf(value: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') {
    for (const key of keys) {
      const inner = (value as Fields)[key];
      if (Array.isArray(inner)) return inner;
    }
  }
  return [];
}

/** A path segment: every character that is not unreserved is escaped (names may hold `/` or `?`). */
export const seg = (value: string): string => encodeURIComponent(value);

/** The object without its undefined fields (a server refuses unknown fields, not absent ones). */
export function defined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
