/**
 * The lint model of one playbook document: its workload keys, keychain entries, steps
 * (both dialects: `tool: http` with step-level fields, and `tool: {kind: http, …}`), and
 * every string that holds a Jinja template, each with its references already scanned and
 * a map back to file offsets.
 */
import { isMap, isScalar, isSeq, type YamlDocument, type YamlNode, type YamlPair, type YamlScalar, type YamlMap } from './yaml-tree.js';
import { hasTemplate, scanTemplate, type TemplateScan } from '../core/templates.js';
import { KIND_KEYS } from '../core/keychain-kinds/index.js';
import { scalarValueMap, type SourceFile, type ValueMap } from './source.js';
import { dslOf, type Dsl, type Place } from './dsl.js';
import type { Span } from './types.js';

export interface KeychainEntry {
  index: number;
  node: YamlMap;
  name?: string;
  nameNode?: YamlScalar;
  kind?: string;
  /** Templates inside this entry. */
  templates: TemplateString[];
}

export interface AuthUse {
  /** The `auth` value node (a scalar reference or a mapping). */
  node: YamlNode;
  keyNode: YamlScalar;
}

export interface Step {
  index: number;
  name?: string;
  nameNode?: YamlScalar;
  node: YamlMap;
  /** `tool: http` (v1) or `tool: {kind: http}` (v2); for a task list, the first task's kind. */
  toolKind?: string;
  /** Step names reachable in one transition (`next`, `then`, `else`, `arcs`). */
  next: { name: string; node: YamlScalar }[];
  /** `auth: {bearer: true, variable: x}`: the variable this step sets. */
  sets?: { name: string; node: YamlScalar };
  /** Arguments passed to a child playbook (`kind: playbook`): the args/input mappings. */
  childArgs: YamlNode[];
  /** Names of the tasks of a task-list tool (`tool: [{name: x, kind: …}]`): their results are addressable by name. */
  taskNames: string[];
  /** It declares `chunk:` (itself, its loop or its tool): `chunk` is in scope in it. */
  chunked: boolean;
}

export interface TemplateString {
  node: YamlScalar;
  value: string;
  scan: TemplateScan;
  /** Mapping keys from the document root down to this value. */
  keys: string[];
  step?: Step;
  /** Value offset → file offset. */
  map: ValueMap;
  /** Where it sits, for what is in scope there (src/lint/dsl.ts). */
  places: ReadonlySet<Place>;
  /** The value was base64 in the file (`command_b64:`): `value` is the decoded text, and every offset maps to the whole scalar. */
  encoded?: 'base64';
  /** The keychain entry it is in. */
  keychainEntry?: KeychainEntry;
}

export interface Playbook {
  source: SourceFile;
  doc: YamlDocument;
  root: YamlMap;
  /** Its DSL version(s), from apiVersion: what is in scope (src/lint/dsl.ts). */
  dsl: Dsl;
  /** Workload keys, the last pair of each (PyYAML keeps the last of a repeated key). */
  workload: Map<string, YamlPair>;
  workloadNode?: YamlMap;
  keychain: KeychainEntry[];
  keychainNode?: YamlNode;
  steps: Step[];
  stepsByName: Map<string, Step>;
  /** Workbook task names (`workbook: [{name: …}]`): results addressable like steps. */
  workbookTasks: Set<string>;
  /** Names a playbook defines for templates besides workload and steps: loop iterators, `set`/`vars`/`with`/`args`/`input` keys, `as` aliases, task names, a step's `result: <name>`. */
  definedNames: Set<string>;
  /** Keys of a top-level `ctx:` (v2 canonical): inputs the caller supplies, in scope like workload keys. */
  ctxKeys: Set<string>;
  templates: TemplateString[];
  auths: AuthUse[];
}

export const scalarString = (node: unknown): string | undefined =>
  isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number' || typeof node.value === 'boolean') ? String(node.value) : undefined;

/** The pair for `key` in a mapping: the last one, as the runtime's YAML reader (PyYAML) keeps it. */
export function pairOf(map: unknown, key: string): (YamlPair & { key: YamlScalar }) | undefined {
  if (!isMap(map)) return undefined;
  for (let i = map.items.length - 1; i >= 0; i--) {
    const item = map.items[i];
    if (isScalar(item.key) && String(item.key.value) === key) return item as YamlPair & { key: YamlScalar };
  }
  return undefined;
}
export const valueOf = (map: unknown, key: string): YamlNode | null | undefined => pairOf(map, key)?.value;
const stringOf = (map: unknown, key: string): string | undefined => scalarString(valueOf(map, key));

/** The span a node covers in the file (its value, without trailing comments). */
export function nodeSpan(node: YamlNode | null | undefined, fallback: Span = { start: 0, end: 0 }): Span {
  const r = node?.range;
  if (!r) return fallback;
  return { start: r[0], end: Math.max(r[1], r[0] + 1) };
}

/**
 * The span of [start, end) in a template string's value, as file offsets. In a decoded value
 * (`command_b64`) offsets do not map to the file: the span is the whole scalar, with a note
 * that the engine adds to the message.
 */
export function templateSpan(t: TemplateString, start: number, end: number): Span {
  if (t.encoded) return { ...nodeSpan(t.node), note: `in the base64-decoded ${t.keys.at(-1) ?? 'value'}` };
  const s = t.map(start);
  const e = end > start ? t.map(end - 1) + 1 : s + 1;
  return { start: s, end: Math.max(e, s + 1) };
}

/** A document is a playbook when it says `kind: Playbook` or has a `workflow` or `keychain` key. */
export function isPlaybookRoot(root: unknown): root is YamlMap {
  if (!isMap(root)) return false;
  return stringOf(root, 'kind') === 'Playbook' || pairOf(root, 'workflow') !== undefined || pairOf(root, 'keychain') !== undefined;
}

function stepTargets(node: unknown, out: { name: string; node: YamlScalar }[]): void {
  if (isSeq(node)) for (const item of node.items) stepTargets(item, out);
  else if (isMap(node)) {
    for (const pair of node.items) {
      const key = scalarString(pair.key);
      if (key === 'step' && isScalar(pair.value)) {
        const name = scalarString(pair.value);
        if (name !== undefined) out.push({ name, node: pair.value });
      } else if (key !== 'when' && key !== 'set' && key !== 'args' && key !== 'input' && key !== 'data') stepTargets(pair.value, out);
    }
  } else if (isScalar(node) && typeof node.value === 'string' && !hasTemplate(node.value)) {
    // `next: other_step` and `then: [other_step]` shorthand.
    out.push({ name: node.value, node });
  }
}

function readStep(node: YamlMap, index: number): Step {
  const nameNode = valueOf(node, 'step');
  const tool = valueOf(node, 'tool');
  let toolKind: string | undefined;
  const toolMaps: YamlMap[] = [];
  const taskNames: string[] = [];
  if (isScalar(tool)) toolKind = scalarString(tool);
  else if (isMap(tool)) {
    toolKind = stringOf(tool, 'kind');
    toolMaps.push(tool);
  } else if (isSeq(tool)) {
    // A task list: `- label: {kind: …}` or `- {kind: …}`.
    for (const task of tool.items) {
      if (!isMap(task)) continue;
      if (pairOf(task, 'kind')) {
        toolMaps.push(task);
        const name = stringOf(task, 'name');
        if (name !== undefined) taskNames.push(name);
      } else {
        for (const p of task.items) {
          if (!isMap(p.value)) continue;
          toolMaps.push(p.value);
          const label = scalarString(p.key);
          if (label !== undefined) taskNames.push(label);
        }
      }
    }
    toolKind = toolMaps.length > 0 ? stringOf(toolMaps[0], 'kind') : undefined;
  }
  const next: { name: string; node: YamlScalar }[] = [];
  stepTargets(valueOf(node, 'next'), next);
  let sets: Step['sets'];
  for (const holder of [node, ...toolMaps]) {
    const auth = valueOf(holder, 'auth');
    const variable = valueOf(auth, 'variable');
    const name = scalarString(variable);
    if (name !== undefined && isScalar(variable)) sets = { name, node: variable };
  }
  const childArgs: YamlNode[] = [];
  if (toolKind === 'playbook') {
    for (const holder of [node, ...toolMaps]) {
      for (const key of ['args', 'input', 'payload', 'workload']) {
        const v = valueOf(holder, key);
        if (v) childArgs.push(v);
      }
    }
  }
  return {
    index,
    name: scalarString(nameNode),
    nameNode: isScalar(nameNode) ? nameNode : undefined,
    node,
    toolKind,
    next,
    sets,
    childArgs,
    taskNames,
    chunked: [node, valueOf(node, 'loop'), ...toolMaps].some((holder) => pairOf(holder, 'chunk') !== undefined),
  };
}

/** Builds the model of a playbook document. */
export function readPlaybook(source: SourceFile, doc: YamlDocument, root: YamlMap): Playbook {
  const pb: Playbook = {
    source,
    doc,
    root,
    dsl: dslOf(stringOf(root, 'apiVersion')),
    workload: new Map(),
    keychain: [],
    steps: [],
    stepsByName: new Map(),
    workbookTasks: new Set(),
    definedNames: new Set(),
    ctxKeys: new Set(),
    templates: [],
    auths: [],
  };
  const workload = valueOf(root, 'workload');
  if (isMap(workload)) {
    pb.workloadNode = workload;
    for (const pair of workload.items) {
      const key = scalarString(pair.key);
      if (key !== undefined && !pair.shadowed) pb.workload.set(key, pair);
    }
  }
  const ctx = valueOf(root, 'ctx');
  if (isMap(ctx)) for (const pair of ctx.items) {
    const key = scalarString(pair.key);
    if (key !== undefined) pb.ctxKeys.add(key);
  }
  const keychain = valueOf(root, 'keychain');
  if (keychain) pb.keychainNode = keychain;
  if (isSeq(keychain)) {
    keychain.items.forEach((item, index) => {
      if (!isMap(item)) return;
      const nameNode = valueOf(item, 'name');
      pb.keychain.push({
        index,
        node: item,
        name: scalarString(nameNode),
        nameNode: isScalar(nameNode) ? nameNode : undefined,
        kind: KIND_KEYS.map((k) => stringOf(item, k)).find((k) => k !== undefined),
        templates: [],
      });
    });
  }
  const workflow = valueOf(root, 'workflow');
  if (isSeq(workflow)) {
    workflow.items.forEach((item, index) => {
      if (!isMap(item)) return;
      const step = readStep(item, index);
      pb.steps.push(step);
      if (step.name !== undefined && !pb.stepsByName.has(step.name)) pb.stepsByName.set(step.name, step);
      for (const task of step.taskNames) pb.definedNames.add(task);
    });
  }
  const workbook = valueOf(root, 'workbook');
  if (isSeq(workbook)) for (const task of workbook.items) {
    const name = stringOf(task, 'name');
    if (name !== undefined) pb.workbookTasks.add(name);
  }
  collect(pb, root, [], { inStep: false, save: false, policy: false });
  return pb;
}

interface Where {
  step?: Step;
  keychainEntry?: KeychainEntry;
  /** Inside a workflow step or a workbook task. */
  inStep: boolean;
  /** Inside a `save:`/`sink:` block. */
  save: boolean;
  /** Inside a `spec.policy` block. */
  policy: boolean;
}

const IDENTIFIER = /^[A-Za-z_]\w*$/;


/** One walk over the document: templates, auth uses, and the names the playbook defines. */
function collect(pb: Playbook, node: unknown, keys: string[], where: Where): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      // A repeated key's earlier values are never read (the duplicate-key finding says so).
      if (pair.shadowed) continue;
      const key = scalarString(pair.key) ?? '';
      const child = pair.value as YamlNode | null;
      if (keys.length === 0 && key === 'workflow' && isSeq(child)) {
        const stepOf = new Map(pb.steps.map((s) => [s.node as YamlNode, s]));
        for (const item of child.items) collect(pb, item, [key], { ...where, inStep: true, step: item ? stepOf.get(item) : undefined });
        continue;
      }
      if (keys.length === 0 && key === 'keychain' && isSeq(child)) {
        const entryOf = new Map(pb.keychain.map((e) => [e.node as YamlNode, e]));
        for (const item of child.items) collect(pb, item, [key], { ...where, keychainEntry: item ? entryOf.get(item) : undefined });
        continue;
      }
      if (key === 'auth' && child && isScalar(pair.key)) pb.auths.push({ node: child, keyNode: pair.key });
      if (key === 'iterator' || key === 'as' || key === 'element' || (key === 'result' && where.step !== undefined && (keys.length === 1 || keys.at(-1) === 'tool' || keys.at(-2) === 'tool'))) {
        const name = scalarString(child);
        if (name !== undefined && isScalar(child) && typeof child.value === 'string' && IDENTIFIER.test(name)) pb.definedNames.add(name);
      }
      // Names passed into a task or tool (`with:` of a workbook call, `args:`, `input:`) are bare names inside it.
      if ((key === 'set' || key === 'vars' || key === 'with' || key === 'args' || key === 'input') && isMap(child)) {
        for (const p of child.items) {
          const name = scalarString(p.key)?.split('.')[0];
          if (name !== undefined && name !== 'ctx' && name !== 'vars') pb.definedNames.add(name);
        }
      }
      let inner = where;
      if (keys.length === 0 && key === 'workbook') inner = { ...inner, inStep: true };
      if ((key === 'save' || key === 'sink') && !where.save) inner = { ...inner, save: true };
      if (key === 'policy' && keys[keys.length - 1] === 'spec' && !where.policy) inner = { ...inner, policy: true };
      // One key stack for the whole walk; a template copies it (few values are templates).
      keys.push(key);
      // `command_b64:`: base64 text whose templates the runtime renders after decoding (upstream's postgres and save plugins).
      if (key.endsWith('_b64') && isScalar(child) && typeof child.value === 'string') addDecoded(pb, child, keys, inner);
      else collect(pb, child, keys, inner);
      keys.pop();
      if (isScalar(pair.key) && typeof pair.key.value === 'string' && hasTemplate(pair.key.value)) addTemplate(pb, pair.key, keys, where);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) collect(pb, item, keys, where);
  } else if (isScalar(node) && typeof node.value === 'string' && hasTemplate(node.value)) {
    addTemplate(pb, node, keys, where);
  }
}

const placeSets = new Map<number, ReadonlySet<Place>>();

/** The places of `where`, one shared set per combination. */
function placesOf(where: Where): ReadonlySet<Place> {
  const chunked = where.step?.chunked === true;
  const bits = (where.inStep ? 1 : 0) | (where.save ? 2 : 0) | (where.policy ? 4 : 0) | (chunked ? 8 : 0);
  let set = placeSets.get(bits);
  if (!set) {
    const places: Place[] = ['everywhere'];
    if (where.inStep) places.push('step');
    if (where.save) places.push('save');
    if (where.policy) places.push('policy');
    if (chunked) places.push('chunked');
    placeSets.set(bits, (set = new Set(places)));
  }
  return set;
}

function addTemplate(pb: Playbook, node: YamlScalar, keys: string[], where: Where): void {
  const value = node.value as string;
  let cached: ValueMap | undefined;
  const text = pb.source.text;
  const t: TemplateString = {
    node,
    value,
    scan: scanTemplate(value),
    keys: keys.slice(),
    step: where.step,
    map: (i) => (cached ??= scalarValueMap(text, node))(i),
    places: placesOf(where),
    keychainEntry: where.keychainEntry,
  };
  pb.templates.push(t);
  where.keychainEntry?.templates.push(t);
}

/** Base64 that decodes to UTF-8 text: `command_b64: U0VMRUNU…`. */
function decodeBase64(value: string): string | undefined {
  const compact = value.replace(/\s+/g, '');
  if (compact.length < 4 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  const bytes = Buffer.from(compact, 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** A base64 value whose decoded text holds templates: scanned as that text (positions: the whole scalar). */
function addDecoded(pb: Playbook, node: YamlScalar, keys: string[], where: Where): void {
  const decoded = decodeBase64(node.value as string);
  if (decoded === undefined || !hasTemplate(decoded)) return;
  const start = node.range[0];
  const t: TemplateString = {
    node,
    value: decoded,
    scan: scanTemplate(decoded),
    keys: keys.slice(),
    step: where.step,
    map: () => start,
    places: placesOf(where),
    encoded: 'base64',
    keychainEntry: where.keychainEntry,
  };
  pb.templates.push(t);
  where.keychainEntry?.templates.push(t);
}
