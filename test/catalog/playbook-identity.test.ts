import { describe, expect, it } from 'vitest';
import { NoetlError } from '../../src/core/errors.js';
import { readPlaybookIdentity } from '../../src/core/playbook-identity.js';
import { parsePlaybookRef } from '../../src/core/playbook-ref.js';

describe('playbook identity', () => {
  it('parses PATH@VERSION', () => {
    expect(parsePlaybookRef('a/b')).toEqual({ path: 'a/b' });
    expect(parsePlaybookRef('a/b@12')).toEqual({ path: 'a/b', version: 12 });
    expect(parsePlaybookRef('@scoped/x')).toEqual({ path: '@scoped/x' });
    for (const bad of ['a/b@0', 'a/b@x', 'a/b@', 'a/b@1234567890']) {
      expect(() => parsePlaybookRef(bad)).toThrow(/positive integer/);
    }
  });

  it('reads metadata.path and kind; kind defaults to Playbook', () => {
    expect(readPlaybookIdentity('kind: Agent\nmetadata:\n  path: " a/b "\n')).toMatchObject({ path: 'a/b', kind: 'Agent' });
    expect(readPlaybookIdentity('metadata: {path: a/b}\n').kind).toBe('Playbook');
  });

  it('refuses a document that is not a mapping or has no metadata.path, as invalid, naming the source', () => {
    for (const text of ['- a\n', 'kind: Playbook\n', 'metadata: {path: ""}\n']) {
      let err: unknown;
      try {
        readPlaybookIdentity(text, 'pb.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NoetlError);
      expect((err as NoetlError).code).toBe('invalid');
      expect((err as NoetlError).message).toMatch(/^pb\.yaml /);
    }
  });
});
