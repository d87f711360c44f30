/**
 * The YAML front end of the linter: every document of a file as a small positioned tree
 * (mappings, sequences, scalars, aliases, each with its file offsets), plus the first syntax
 * error and the duplicate keys of each document.
 *
 * Parsing is @stoplight/yaml-ast-parser's (a js-yaml descendant made for linters, as Spectral
 * uses it): on playbooks it is about three times as fast as the `yaml` package's composer, and
 * parsing is most of what linting costs. The tree here keeps the linter independent of it.
 */
import { determineScalarType, Kind, loadAll, parseYamlBoolean, parseYamlFloat, parseYamlInteger, ScalarType, type YAMLNode, type YAMLScalar } from '@stoplight/yaml-ast-parser';
// The failsafe schema: the parser then tries no implicit type on each plain scalar (values are typed here, under the core schema).
import failsafe from '@stoplight/yaml-ast-parser/dist/src/schema/failsafe.js';

/** [start, end) file offsets. */
export type Range = [number, number];

export interface YamlScalar {
  kind: 'scalar';
  /** The value under the YAML 1.2 core schema: plain `3` is a number, quoted `"3"` a string. */
  value: string | number | boolean | null;
  style: 'plain' | 'single' | 'double' | 'literal' | 'folded';
  range: Range;
  /** For a block scalar: the column (0-based) of the key that holds it, which an indentation indicator counts from. */
  parentIndent?: number;
}
export interface YamlPair {
  key: YamlNode | null;
  value: YamlNode | null;
  /** A later pair of the same mapping has the same key: PyYAML (NoETL's reader) keeps the last value, so this one is never read. */
  shadowed?: true;
}
export interface YamlMap {
  kind: 'map';
  items: YamlPair[];
  range: Range;
}
export interface YamlSeq {
  kind: 'seq';
  items: (YamlNode | null)[];
  range: Range;
}
/** `*name`: left unresolved, as the runtime's own reading of a playbook does not follow it either. */
export interface YamlAlias {
  kind: 'alias';
  name: string;
  range: Range;
}
export type YamlNode = YamlScalar | YamlMap | YamlSeq | YamlAlias;

export interface YamlError {
  message: string;
  /** File offset the parser stopped at. */
  offset: number;
}

export interface YamlDocument {
  root: YamlNode | null;
  /** The first syntax error: after it the parser's recovery guesses, and later errors are mostly its echoes. */
  error?: YamlError;
  /** Keys that a later key of the same mapping repeats (`ignored`), with the last of them (`kept`, the one PyYAML reads). */
  duplicateKeys: DuplicateKey[];
}

export interface DuplicateKey {
  ignored: YamlScalar;
  kept: YamlScalar;
}

export const isMap = (node: unknown): node is YamlMap => (node as YamlNode | null)?.kind === 'map';
export const isSeq = (node: unknown): node is YamlSeq => (node as YamlNode | null)?.kind === 'seq';
export const isScalar = (node: unknown): node is YamlScalar => (node as YamlNode | null)?.kind === 'scalar';

/** Parser messages that are not syntax errors of a playbook: duplicates are found here, and tags are the runtime's business. */
const IGNORED_ERRORS = /^(duplicate key|unknown tag)/;

/**
 * Document starts: `---` at the start of a line ends whatever came before, even an unclosed
 * quote (YAML forbids the marker inside any scalar), so each document is parsed on its own and
 * one broken document cannot swallow the next.
 */
const DOCUMENT_MARKER = /^---(?=[ \t\r\n]|$)/gm;
/** Text before a document's marker that belongs to it: blank lines, comments and directives. */
const PREAMBLE = /^(?:[ \t]*(?:#.*)?\r?\n|%.*\r?\n)*[ \t]*(?:#.*)?$/;

function documentPieces(text: string): [number, number][] {
  const pieces: [number, number][] = [];
  let start = 0;
  DOCUMENT_MARKER.lastIndex = 0;
  for (let m = DOCUMENT_MARKER.exec(text); m !== null; m = DOCUMENT_MARKER.exec(text)) {
    if (m.index > start && !PREAMBLE.test(text.slice(start, m.index))) {
      pieces.push([start, m.index]);
      start = m.index;
    }
  }
  pieces.push([start, text.length]);
  return pieces;
}

const LOAD_OPTIONS = { schema: failsafe, ignoreDuplicateKeys: true };

/** Every document of `text`; never throws for bad YAML. */
export function parseYamlDocuments(text: string): YamlDocument[] {
  const docs: YamlDocument[] = [];
  // The parser drops a byte-order mark, which shifts its offsets by one.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const pieces = text.indexOf('\n---') >= 0 ? documentPieces(text) : [[0, text.length] as [number, number]];
  for (const [from, to] of pieces) {
    const piece = from === 0 && to === text.length ? text : text.slice(from, to);
    const offset = from + (from === 0 ? bom : 0);
    loadAll(piece, (root) => docs.push(new TreeBuilder(text, offset).document(root)), LOAD_OPTIONS);
  }
  return docs;
}

class TreeBuilder {
  private readonly duplicateKeys: DuplicateKey[] = [];
  constructor(
    private readonly text: string,
    private readonly offset: number,
  ) {}

  document(root: YAMLNode | undefined): YamlDocument {
    const error = root?.errors.find((e) => !e.isWarning && !IGNORED_ERRORS.test(e.reason));
    const empty = root == null || (root.kind === Kind.SCALAR && root.startPosition === root.endPosition);
    return {
      root: empty ? null : this.node(root, undefined),
      error: error && { message: error.reason, offset: this.offset + (error.mark?.position ?? 0) },
      duplicateKeys: this.duplicateKeys,
    };
  }

  /** `keyStart`: where the key that holds this node starts (a block scalar's indentation counts from its column). */
  private node(n: YAMLNode, keyStart: number | undefined): YamlNode {
    const start = this.offset + n.startPosition;
    switch (n.kind) {
      case Kind.MAP:
        return this.map(n, start);
      case Kind.SEQ: {
        const items: (YamlNode | null)[] = [];
        let cursor = start;
        for (const item of (n as unknown as { items: (YAMLNode | null)[] }).items) {
          const child = item == null ? this.missing(this.text.indexOf('-', cursor) + 1) : this.node(item, undefined);
          items.push(child);
          cursor = child.range[1];
        }
        return { kind: 'seq', items, range: [start, this.collectionEnd(n, items.at(-1) ?? null)] };
      }
      case Kind.ANCHOR_REF:
      case Kind.INCLUDE_REF:
        return { kind: 'alias', name: (n as { referencesAnchor?: string }).referencesAnchor ?? '', range: [start, this.offset + n.endPosition] };
      default:
        return this.scalar(n as YAMLScalar, start, keyStart);
    }
  }

  private map(n: YAMLNode, start: number): YamlMap {
    const items: YamlPair[] = [];
    /** Key → the index of its latest pair. */
    const seen = new Map<string, number>();
    let repeated: { pair: YamlPair; name: string }[] | undefined;
    let last: YamlNode | null = null;
    for (const mapping of (n.mappings ?? []) as { key: YAMLNode | null; value: YAMLNode | null }[]) {
      const key = mapping.key ? this.node(mapping.key, undefined) : null;
      let value: YamlNode | null = null;
      if (mapping.value) value = this.node(mapping.value, key?.range[0]);
      else if (key) value = this.missing(this.afterColon(key.range[1]));
      const pair: YamlPair = { key, value };
      if (key?.kind === 'scalar') {
        const name = String(key.value);
        const earlier = seen.get(name);
        if (earlier !== undefined) {
          items[earlier].shadowed = true;
          (repeated ??= []).push({ pair: items[earlier], name });
        }
        seen.set(name, items.length);
      }
      items.push(pair);
      last = value ?? key;
    }
    for (const { pair, name } of repeated ?? []) this.duplicateKeys.push({ ignored: pair.key as YamlScalar, kept: items[seen.get(name) as number].key as YamlScalar });
    return { kind: 'map', items, range: [start, this.collectionEnd(n, last)] };
  }

  /** A block collection ends where its last value does (not after trailing blank lines); a flow one at its bracket. */
  private collectionEnd(n: YAMLNode, last: YamlNode | null): number {
    const opener = this.text[this.offset + n.startPosition];
    if (last === null || opener === '{' || opener === '[') return this.offset + n.endPosition;
    return last.range[1];
  }

  private scalar(n: YAMLScalar, start: number, keyStart: number | undefined): YamlScalar {
    const range: Range = [start, this.offset + n.endPosition];
    if (n.doubleQuoted) return { kind: 'scalar', value: n.value, style: 'double', range };
    if (n.singleQuoted) return { kind: 'scalar', value: n.value, style: 'single', range };
    if (!n.plainScalar) {
      const style = this.text[start] === '>' ? 'folded' : 'literal';
      let value = n.value ?? '';
      // With an indentation indicator (`|2`) the parser, like js-yaml 3, starts the value with one line break too many.
      if (/^[|>][-+]?[1-9]/.test(this.text.slice(start, start + 3)) && value.startsWith('\n')) value = value.slice(1);
      return { kind: 'scalar', value, style, range, parentIndent: keyStart === undefined ? undefined : this.column(keyStart) };
    }
    return { kind: 'scalar', value: plainValue(n), style: 'plain', range };
  }

  /** An absent value (`key:` or `- `) reads as null, at the place it would be. */
  private missing(at: number): YamlScalar {
    return { kind: 'scalar', value: null, style: 'plain', range: [at, at] };
  }

  private afterColon(keyEnd: number): number {
    const colon = this.text.indexOf(':', keyEnd);
    return colon < 0 ? keyEnd : colon + 1;
  }

  private column(at: number): number {
    return at - (this.text.lastIndexOf('\n', at - 1) + 1);
  }
}

/**
 * Whether a plain scalar may be a null, a boolean or a number (empty, or starting with one of
 * `-+.~0-9nNtTfF`): any other is a string. A character test, not a regular expression: it runs
 * on every plain scalar of every file.
 */
function maybeTyped(value: string): boolean {
  if (value.length === 0) return true;
  const c = value.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70;
}

function plainValue(n: YAMLScalar): YamlScalar['value'] {
  if (!maybeTyped(n.value)) return n.value;
  try {
    switch (determineScalarType(n)) {
      case ScalarType.null:
        return null;
      case ScalarType.bool:
        return parseYamlBoolean(n.value);
      case ScalarType.int:
        return parseYamlInteger(n.value);
      case ScalarType.float:
        return parseYamlFloat(n.value);
      default:
        return n.value;
    }
  } catch {
    return n.value;
  }
}

/** The plain JavaScript value of a node (aliases read as null; of a repeated key, the last value, as PyYAML reads it). */
export function toJS(node: YamlNode | null): unknown {
  if (node === null) return null;
  switch (node.kind) {
    case 'map':
      return Object.fromEntries(node.items.map((p) => [String(toJS(p.key)), toJS(p.value)]));
    case 'seq':
      return node.items.map(toJS);
    case 'scalar':
      return node.value;
    default:
      return null;
  }
}
