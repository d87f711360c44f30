import type { ReferenceSegment } from '../../core/templates.js';
import { templateSpan, type KeychainEntry, type Playbook, type TemplateString } from '../playbook.js';
import type { Rule } from '../types.js';

interface KeychainEdge {
  from: KeychainEntry;
  to: KeychainEntry;
  template: TemplateString;
  segment: ReferenceSegment;
}

/** Uses between keychain entries, and for each entry on a cycle the shortest cycle through it (names, first = last). */
export function keychainEdges(pb: Playbook): { edges: KeychainEdge[]; cycles: Map<KeychainEntry, string[]> } {
  const byName = new Map<string, KeychainEntry>();
  for (const e of pb.keychain) if (e.name !== undefined && !byName.has(e.name)) byName.set(e.name, e);
  const edges: KeychainEdge[] = [];
  for (const from of pb.keychain) {
    for (const template of from.templates) {
      for (const ref of template.scan.references) {
        if (ref.root !== 'keychain' || ref.path.length === 0) continue;
        const to = byName.get(ref.path[0].name);
        if (to) edges.push({ from, to, template, segment: ref.path[0] });
      }
    }
  }
  const cycles = new Map<KeychainEntry, string[]>();
  for (const entry of pb.keychain) {
    const cycle = shortestCycle(edges, entry);
    if (cycle) cycles.set(entry, cycle);
  }
  return { edges, cycles };
}

/** Breadth-first from `start` back to it: the shortest cycle through it, or undefined when it is on none. */
function shortestCycle(edges: KeychainEdge[], start: KeychainEntry): string[] | undefined {
  const prev = new Map<KeychainEntry, KeychainEntry>();
  const queue = [start];
  const seen = new Set<KeychainEntry>();
  while (queue.length > 0) {
    const at = queue.shift() as KeychainEntry;
    for (const e of edges) {
      if (e.from !== at) continue;
      if (e.to === start) {
        const path = [start.name ?? '?'];
        for (let p: KeychainEntry | undefined = at; p !== undefined && p !== start; p = prev.get(p)) path.splice(1, 0, p.name ?? '?');
        return [...path, start.name ?? '?'];
      }
      if (!seen.has(e.to)) {
        seen.add(e.to);
        prev.set(e.to, at);
        queue.push(e.to);
      }
    }
  }
  return undefined;
}

export const keychainCycle: Rule = {
  id: 'keychain-cycle',
  defaultSeverity: 'error',
  summary: 'Keychain entries do not use each other in a cycle',
  docs: `An entry that (directly or through others) uses itself can never be resolved: each waits for
the other. The finding names the cycle; break it by having one of the entries read its value
from the workload or a credential instead.

    keychain:
      - name: a
        kind: http
        endpoint: "{{ keychain.b.url }}"     # keychain-cycle: a → b → a
      - name: b
        kind: http
        endpoint: "{{ keychain.a.url }}"     # keychain-cycle: b → a → b
    workflow:
      - step: call
        tool: { kind: http, url: "{{ keychain.a.url }}" }`,
  check({ playbook, report }) {
    const { edges, cycles } = keychainEdges(playbook);
    for (const [entry, cycle] of cycles) {
      // One finding per entry on the cycle, at its first use of another cycle member.
      const edge = edges.find((e) => e.from === entry && cycles.has(e.to));
      if (!edge) continue;
      report(templateSpan(edge.template, edge.segment.start, edge.segment.end), `keychain entries form a cycle: ${cycle.join(' → ')}`);
    }
  },
};
