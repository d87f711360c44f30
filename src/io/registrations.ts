/**
 * Registration files: NoETL's `{name, type, description, tags, meta, schema, data}`, JSON or
 * YAML, one file or a directory of them, read within the input limit and parsed into the
 * registrations the credentials client imports or validates.
 */
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { CredentialRegistration } from '../api/credentials.js';
import { hasReason, NoetlError } from '../core/errors.js';
import { parseStructured } from '../core/structured.js';
import { fileReadError, readInputFile } from './input-file.js';

const REGISTRATION_KEYS = new Set(['name', 'type', 'description', 'tags', 'meta', 'schema', 'data']);
/** Files a directory import reads: .json/.yaml/.yml, also as .example/.template copies. */
const REGISTRATION_FILE = /\.(json|ya?ml)(\.(example|template|sample))?$/i;

/** Parses one registration file's text (JSON, or YAML when it does not look like JSON). */
export function parseRegistration(text: string, file: string, format: 'json' | 'yaml' | 'auto' = 'auto'): CredentialRegistration {
  let parsed: unknown;
  try {
    parsed = parseStructured(text, file, format);
  } catch (err) {
    if (hasReason(err, 'syntax') || hasReason(err, 'refused')) return { file, ignored: [], error: err.message };
    throw err;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { file, ignored: [], error: `${file}: expected a mapping {name, type, data, …}, got ${Array.isArray(parsed) ? 'a list' : parsed === null ? 'nothing' : typeof parsed}` };
  }
  const o = parsed as Record<string, unknown>;
  const ignored = Object.keys(o).filter((k) => !REGISTRATION_KEYS.has(k));
  if (o.data === undefined) return { file, ignored, error: `${file}: no 'data' (the credential's fields)` };
  // A registration file is the whole record: what it leaves out is none (null), not kept.
  return {
    file,
    ignored,
    input: {
      name: o.name as string,
      type: o.type as string,
      data: o.data,
      description: (o.description as string | undefined) ?? null,
      tags: (o.tags as string[] | undefined) ?? null,
      meta: (o.meta as Record<string, unknown> | undefined) ?? null,
      schema: (o.schema as Record<string, unknown> | undefined) ?? null,
    },
  };
}

/** Reads a registration file, or every registration file under a directory (recursively, sorted); `skipped` are the other files. */
export function readRegistrations(path: string): { files: CredentialRegistration[]; skipped: string[] } {
  const root = resolve(path);
  if (!existsSync(root)) throw new NoetlError('not_found', `${path} does not exist: give a registration file or a directory of them`);
  if (!statSync(root).isDirectory()) return { files: [readOne(root, path)], skipped: [] };
  const files: CredentialRegistration[] = [];
  const skipped: string[] = [];
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw fileReadError(err, join(path, relative(root, dir)));
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      const shown = join(path, relative(root, full));
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && REGISTRATION_FILE.test(entry.name)) files.push(readOne(full, shown));
      else if (entry.isFile()) skipped.push(shown);
    }
  };
  walk(root);
  return { files, skipped };
}

function readOne(full: string, shown: string): CredentialRegistration {
  let text: string;
  try {
    text = readInputFile(full, shown);
  } catch (err) {
    if (err instanceof NoetlError) return { file: shown, ignored: [], error: err.message };
    throw err;
  }
  // A .yaml/.yml file is YAML even when it starts with `{`.
  return parseRegistration(text, shown, /\.ya?ml(\.|$)/i.test(full) ? 'yaml' : 'auto');
}
