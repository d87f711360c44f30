/**
 * `.noetl-lint.yaml`, found by walking up from the linted path:
 *
 *     rules:
 *       auth-ref-naming: off          # error | warning | off
 *       undefined-reference: warning
 *     ignore:
 *       - fixtures/broken/**          # globs relative to the config file's folder
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { closest } from '../core/suggest.js';
import { RULES_BY_ID } from './rules/index.js';
import { SourceFile } from './source.js';
import type { Severity } from './types.js';
import { parseYamlDocuments, toJS } from './yaml-tree.js';

const CONFIG_FILE = '.noetl-lint.yaml';

export interface LintConfig {
  /** The config file, when one was found. */
  file?: string;
  dir: string;
  severities: Map<string, Severity | 'off'>;
  ignore: RegExp[];
}

export class ConfigError extends Error {}

/** The nearest `.noetl-lint.yaml` at or above `start` (a file or a folder). */
export function findConfigFile(start: string): string | undefined {
  const dir = resolve(start);
  return configFileIn(existsSync(dir) && !isDirectory(dir) ? dirname(dir) : dir, new Map());
}

/** The config file that applies in `dir`, walking up; `seen` remembers the answer for each folder passed. */
function configFileIn(dir: string, seen: Map<string, string | undefined>): string | undefined {
  if (seen.has(dir)) return seen.get(dir);
  const candidate = join(dir, CONFIG_FILE);
  const parent = dirname(dir);
  const found = existsSync(candidate) ? candidate : parent === dir ? undefined : configFileIn(parent, seen);
  seen.set(dir, found);
  return found;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A glob (`*`, `**`, `?`) as a regular expression over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  const g = glob.replace(/^\.\//, '').replace(/\/$/, '');
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      if (g[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A pattern also ignores everything under a folder it matches.
  return new RegExp(`^${re}(?:/.*)?$`);
}

export function parseConfig(text: string, file: string): LintConfig {
  const [doc] = parseYamlDocuments(text);
  if (doc?.error) {
    const at = new SourceFile(file, text).position(doc.error.offset);
    throw new ConfigError(`${file}:${at.line}:${at.col}: not valid YAML: ${doc.error.message}`);
  }
  const data = toJS(doc?.root ?? null);
  const config: LintConfig = { file, dir: dirname(file), severities: new Map(), ignore: [] };
  if (data == null) return config;
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`${file}: expected a mapping with 'rules' and 'ignore'`);
  const { rules, ignore, ...rest } = data as Record<string, unknown>;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) throw new ConfigError(`${file}: unknown key '${unknownKeys[0]}' (expected 'rules' or 'ignore')`);
  if (rules != null) {
    if (typeof rules !== 'object' || Array.isArray(rules)) throw new ConfigError(`${file}: 'rules' must map rule ids to error, warning or off`);
    for (const [id, level] of Object.entries(rules as Record<string, unknown>)) {
      if (!RULES_BY_ID.has(id)) {
        const s = closest(id, RULES_BY_ID.keys());
        throw new ConfigError(`${file}: unknown rule '${id}'${s ? `; did you mean '${s}'?` : ''} (see noetl lint --list-rules)`);
      }
      // YAML reads a bare `off` as the string "off" (YAML 1.2); accept false too.
      const value = level === false ? 'off' : level;
      if (value !== 'error' && value !== 'warning' && value !== 'off') throw new ConfigError(`${file}: rule '${id}' must be error, warning or off, got ${JSON.stringify(level)}`);
      config.severities.set(id, value);
    }
  }
  if (ignore != null) {
    if (!Array.isArray(ignore) || ignore.some((g) => typeof g !== 'string')) throw new ConfigError(`${file}: 'ignore' must be a list of path globs`);
    config.ignore = (ignore as string[]).map(globToRegExp);
  }
  return config;
}

const cache = new Map<string, LintConfig>();
/** Folder → its config file: a folder of 10,000 playbooks looks the file up once, and sibling folders share their parents' answers. */
const lookups = new Map<string, string | undefined>();

/**
 * The config that applies to `path` (cached per folder and per config file), or the defaults.
 * A caller that knows `path` is a file (a folder walk) says so, sparing a stat per file.
 */
export function configFor(path: string, folder = isDirectory(path)): LintConfig {
  const key = folder ? resolve(path) : dirname(resolve(path));
  const file = configFileIn(key, lookups);
  if (file === undefined) return { dir: key, severities: new Map(), ignore: [] }; // no ignore globs: dir is not read
  let config = cache.get(file);
  if (!config) {
    config = parseConfig(readFileSync(file, 'utf8'), file);
    cache.set(file, config);
  }
  return config;
}

/** Whether the config ignores `path`. */
export function isIgnored(config: LintConfig, path: string): boolean {
  if (config.ignore.length === 0) return false;
  const rel = relative(config.dir, resolve(path)).split(sep).join('/');
  if (rel.startsWith('..')) return false;
  return config.ignore.some((re) => re.test(rel));
}
