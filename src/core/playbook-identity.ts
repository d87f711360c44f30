/**
 * How a playbook is named in the catalog, with no I/O: its identity read from its YAML
 * (`metadata.path`, `kind`). A `PATH[@VERSION]` reference is split in playbook-ref.ts, apart
 * from the YAML parser, which only registering a playbook needs.
 */
import { invalidError } from './errors.js';
import { parseYaml } from './structured.js';

/** The parts of a playbook the catalog needs: metadata.path and kind. */
export interface PlaybookIdentity {
  path: string;
  kind: string;
  document: Record<string, unknown>;
}

/** Parses playbook YAML and reads its identity; a playbook without metadata.path is `invalid`. */
export function readPlaybookIdentity(content: string, source = 'playbook'): PlaybookIdentity {
  const document = parseYaml(content, source);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw invalidError(`${source} is not a YAML mapping: a playbook has apiVersion, kind, metadata, …`);
  }
  const doc = document as Record<string, unknown>;
  const metadata = doc.metadata as Record<string, unknown> | undefined;
  const path = metadata && typeof metadata === 'object' ? metadata.path : undefined;
  if (typeof path !== 'string' || path.trim() === '') {
    throw invalidError(`${source} has no metadata.path: add \`metadata: {path: folder/name}\`, the catalog path it is registered under`);
  }
  const kind = typeof doc.kind === 'string' && doc.kind ? doc.kind : 'Playbook';
  return { path: path.trim(), kind, document: doc };
}
