import { expect } from 'vitest';
import { CliError } from '../../src/core/errors.js';

/** Awaits a run function that must fail with a CliError, and returns that error. */
export async function fails(p: Promise<unknown>): Promise<CliError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}
