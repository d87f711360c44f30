/**
 * JSON and YAML input parsed with bounded work: time linear in the text's size, nesting at
 * most MAX_NESTING_DEPTH levels, aliases expanded at most MAX_ALIAS_COUNT times. Errors say
 * where the text is broken, never what it holds (the input is often secret).
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { NoetlError } from './errors.js';
import { MAX_NESTING_DEPTH, parseJson, tooDeep } from './json.js';

/** yaml's own guard against "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

/**
 * YAML (1.2, core schema) as plain data. Keys are checked for duplicates here, once per map
 * with a Set: yaml's own check compares each key with every key before it, which made a
 * mapping of 40k keys take 25 s.
 */
export function parseYaml(text: string, source = 'YAML'): unknown {
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: true, logLevel: 'silent' });
  const [error] = doc.errors;
  if (error) {
    // yaml catches its own stack overflow on deep flow collections and reports it as a parse error.
    if (/Maximum call stack/.test(error.message)) throw tooDeep(source);
    const what = error.message.split(' at line ')[0].split('\n')[0];
    const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    throw new NoetlError('invalid', `${source}: invalid YAML: ${what}${where}`, { reason: 'syntax' });
  }
  checkYamlNodes(doc.contents, text, source);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(source);
    // yaml's ReferenceError for too many aliases, or an alias to nothing.
    throw new NoetlError('invalid', `${source}: invalid YAML: ${(err as Error).message.split(':')[0]}`, { reason: 'refused' });
  }
}

/** Line and column (1-based) of an offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${offset - before.lastIndexOf('\n')}`;
}

/**
 * Walks the parsed nodes without recursion: nesting bounded, every key a plain value (a JS
 * object has no other kind), no key twice in one mapping. Aliases are not followed (toJS
 * bounds how often they expand).
 */
function checkYamlNodes(root: unknown, text: string, source: string): void {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isMap(node)) {
      if (depth + 1 > MAX_NESTING_DEPTH) throw tooDeep(source);
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        const offset = (key as { range?: [number, number, number] } | null)?.range?.[0] ?? node.range?.[0] ?? 0;
        if (key !== null && !isScalar(key) && !isAlias(key)) {
          throw new NoetlError('invalid', `${source}: a mapping key at ${lineColumn(text, offset)} is a list or a mapping: keys must be plain values`, { reason: 'refused' });
        }
        const name = isScalar(key) ? String(key.value ?? '') : key === null ? '' : `*${key.source}`;
        if (seen.has(name)) throw new NoetlError('invalid', `${source}: invalid YAML: a key appears twice in one mapping at ${lineColumn(text, offset)}`, { reason: 'syntax' });
        seen.add(name);
        stack.push({ node: pair.value, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      if (depth + 1 > MAX_NESTING_DEPTH) throw tooDeep(source);
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
}

/**
 * JSON or YAML (`format` auto: JSON when the text starts like JSON or the source names a .json
 * file). Empty text is an error; so is anything over the limits above.
 */
export function parseStructured(text: string, source: string, format: 'json' | 'yaml' | 'auto' = 'auto'): unknown {
  const body = text.replace(/^\uFEFF/, '');
  const trimmed = body.trim();
  if (trimmed === '') throw new NoetlError('invalid', `${source}: file is empty`, { reason: 'syntax' });
  const json = format === 'json' || (format === 'auto' && (trimmed.startsWith('{') || trimmed.startsWith('[') || /\.json/i.test(source)));
  return json ? parseJson(trimmed, source) : parseYaml(body, source);
}
