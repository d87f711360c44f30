import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readObjectInput } from '../../src/cli/io.js';
import { readPlaybookIdentity } from '../../src/core/playbook-identity.js';
import { parseRegistration } from '../../src/io/registrations.js';
import { parseStructured, parseYaml } from '../../src/core/structured.js';
import { memIO } from '../helpers/memio.js';

function mapping(keys: number): string {
  let text = '';
  for (let i = 0; i < keys; i++) text += `key_${i}: value ${i}\n`;
  return text;
}

function timed(work: () => unknown): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

/** The message of what `work` throws (it must throw). */
function thrown(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

const DUPLICATE = 'first: 1\nsecond: 2\nfirst: 3\n';
const DUPLICATE_SAID = /a key appears twice in one mapping at line 3, column 1/;

describe('YAML input parses in linear time', () => {
  it('200k keys take about ten times as long as 20k (yaml checked each key against every key before it)', { timeout: 120_000 }, () => {
    timed(() => parseYaml(mapping(2_000)));
    const small = mapping(20_000);
    const large = mapping(200_000);
    const smallMs = Math.max(timed(() => parseYaml(small)), 50);
    let value: unknown;
    const largeMs = timed(() => (value = parseYaml(large, 'big.yaml')));
    expect(Object.keys(value as object)).toHaveLength(200_000);
    expect((value as Record<string, string>).key_199999).toBe('value 199999');
    // Linear is ~10x; quadratic was ~100x (40k keys took 25 s).
    expect(largeMs / smallMs, `${Math.round(smallMs)} ms for 20k keys, ${Math.round(largeMs)} ms for 200k`).toBeLessThan(30);
  });

  it('every reader of YAML input goes through it: --data/--schema/--workload files, registration files, playbooks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'noetl-yaml-'));
    const file = join(dir, 'dup.yaml');
    writeFileSync(file, DUPLICATE);
    const { io } = memIO();
    const viaFlag = await readObjectInput(`@${file}`, '--data', io).then(
      () => '',
      (err: Error) => err.message,
    );
    expect(viaFlag).toMatch(DUPLICATE_SAID);
    expect(parseRegistration(DUPLICATE, 'cred.yaml').error).toMatch(DUPLICATE_SAID);
    expect(thrown(() => readPlaybookIdentity(DUPLICATE, 'pb.yaml'))).toMatch(DUPLICATE_SAID);
  });

  it('refuses what would exhaust it: deep nesting, alias bombs, keys that are collections; __proto__ is a plain key', () => {
    expect(thrown(() => parseYaml('['.repeat(100_000) + ']'.repeat(100_000), 'deep.yaml'))).toBe('deep.yaml: nested more than 512 levels deep: flatten it');
    const blockDeep = Array.from({ length: 600 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n';
    expect(thrown(() => parseYaml(blockDeep, 'deep.yaml'))).toMatch(/nested more than 512 levels/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    expect(thrown(() => parseYaml(bomb, 'bomb.yaml'))).toBe('bomb.yaml: invalid YAML: Excessive alias count indicates a resource exhaustion attack');
    expect(thrown(() => parseYaml('? [a, b]\n: 1\n', 'k.yaml'))).toBe('k.yaml: a mapping key at line 1, column 3 is a list or a mapping: keys must be plain values');
    const value = parseYaml('__proto__: {polluted: true}\n') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__']);
  });

  it('errors name the line, never the content', () => {
    const message = thrown(() => parseStructured('a: [sk_live_SECRET\nb: c\n', 'broken.yaml'));
    expect(message).toMatch(/^broken\.yaml: invalid YAML: .* at line 2, column 1$/);
    expect(message).not.toContain('SECRET');
  });
});
