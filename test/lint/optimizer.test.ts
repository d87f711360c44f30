/**
 * The optimizing compiler hold of a short `noetl lint` (src/cli/lint/optimizer.ts): only a
 * process that grants it (entry.ts) gets it, a user's own V8 optimizer flags win, and the
 * compiler is always turned back on.
 */
import { describe, expect, it } from 'vitest';
import { allowOptimizerDeferral, holdOptimizer } from '../../src/cli/lint/optimizer.js';

function recorder() {
  const flags: string[] = [];
  return { flags, set: (f: string) => void flags.push(f) };
}

describe('holdOptimizer', () => {
  it('changes nothing unless the process granted it', () => {
    const r = recorder();
    const hold = holdOptimizer(r.set);
    hold.linted(2_000_000);
    hold.release();
    expect(r.flags).toEqual([]);
  });

  it('off once granted, on again after 1,000,000 characters linted, and only once', () => {
    allowOptimizerDeferral([], '');
    const r = recorder();
    const hold = holdOptimizer(r.set);
    expect(r.flags).toEqual(['--no-turbofan']);
    hold.linted(600_000);
    expect(r.flags).toEqual(['--no-turbofan']);
    hold.linted(400_000);
    hold.release();
    expect(r.flags).toEqual(['--no-turbofan', '--turbofan']);
    // One grant, one hold: a second run in the process changes nothing.
    const again = recorder();
    holdOptimizer(again.set).release();
    expect(again.flags).toEqual([]);
  });

  it('on again when the run ends early (release in a finally)', () => {
    allowOptimizerDeferral([], '');
    const r = recorder();
    holdOptimizer(r.set).release();
    expect(r.flags).toEqual(['--no-turbofan', '--turbofan']);
  });

  it("leaves the user's own choice alone (node --no-turbofan, --jitless, NODE_OPTIONS)", () => {
    for (const [argv, options] of [[['--no-turbofan'], ''], [['--jitless'], ''], [[], '--max-old-space-size=100 --no-opt']] as const) {
      allowOptimizerDeferral(argv, options);
      const r = recorder();
      holdOptimizer(r.set).release();
      expect(r.flags).toEqual([]);
    }
  });
});
