/** What every part of the template engine shares: its error, the secret marker, its limits. */

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** A context value whose every leaf is secret: output derived from it is masked when asked. */
export class Secret {
  constructor(readonly value: unknown) {}
}

/** Marks a context value as secret (see renderTemplate's maskSecrets). */
export function secret(value: unknown): Secret {
  return new Secret(value);
}

/** What masked output shows in place of anything derived from a secret: no character, no length. */
export const MASKED = '****';

/**
 * Bounds on one template's work. Jinja2's own sandbox caps range() at 100,000 items too; an
 * integer is capped at 100,000 bits (Python's default str() of an int stops at 4,300 digits).
 * `work` counts the characters and items builtins (filters, methods, `in`, printing) take and
 * give, so a filter over large data in a long loop stops too (about a second of work).
 */
export const TEMPLATE_LIMITS = { steps: 1_000_000, rangeItems: 100_000, stringLength: 8 * 1024 * 1024, integerBits: 100_000, depth: 200, work: 200_000_000 } as const;
