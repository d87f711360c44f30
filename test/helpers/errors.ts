import { expect } from 'vitest';
import { NoetlError } from '../../src/core/errors.js';

/** Awaits a run function that must fail with a NoetlError, and returns that error. */
export async function fails(p: Promise<unknown>): Promise<NoetlError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NoetlError);
  return err as NoetlError;
}
