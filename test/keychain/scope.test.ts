import { describe, expect, it } from 'vitest';
import {
  cacheKey,
  defaultTtlSeconds,
  isDueForRenewal,
  isVisibleTo,
  refreshMarginSeconds,
} from '../../src/core/scope.js';
import { scopeFlagConflict } from '../../src/cli/keychain/common.js';

const CATALOG = '518486534513754563';
const EXEC = '518508477736551392';
const ROOT = '507431238966182398';

describe('cache keys', () => {
  it('follows the seeds for every scope, with 64-bit ids exact', () => {
    expect(cacheKey('amadeus_token', { scope: 'global', catalogId: CATALOG })).toBe('amadeus_token:518486534513754563:global');
    expect(cacheKey('t', { scope: 'catalog', catalogId: CATALOG })).toBe(`t:${CATALOG}:catalog`);
    expect(cacheKey('user_session', { scope: 'local', catalogId: CATALOG, executionId: EXEC })).toBe(
      'user_session:518486534513754563:518508477736551392',
    );
    expect(cacheKey('ctx', { scope: 'shared', catalogId: CATALOG, executionId: EXEC, rootExecutionId: ROOT })).toBe(`ctx:${CATALOG}:shared:${ROOT}`);
    // The root of a tree is its own root.
    expect(cacheKey('ctx', { scope: 'shared', catalogId: CATALOG, executionId: ROOT })).toBe(`ctx:${CATALOG}:shared:${ROOT}`);
  });

  it('refuses local and shared keys without an execution', () => {
    for (const scope of ['local', 'shared'] as const) {
      expect(() => cacheKey('t', { scope, catalogId: CATALOG })).toThrow(`a ${scope} keychain entry needs an execution id`);
      // A usage error (exit 2), not a bug report.
      expect(() => cacheKey('t', { scope, catalogId: CATALOG })).toThrow(expect.objectContaining({ code: 'invalid' }));
    }
  });
});

describe('TTL defaults', () => {
  it('is 3600 s for local and 86400 s otherwise', () => {
    expect(defaultTtlSeconds('local')).toBe(3600);
    expect(defaultTtlSeconds('global')).toBe(86400);
    expect(defaultTtlSeconds('catalog')).toBe(86400);
    expect(defaultTtlSeconds('shared')).toBe(86400);
  });
});

describe('scope flags', () => {
  it('requires an execution for local and shared', () => {
    expect(scopeFlagConflict('local', {})).toMatch(/--scope local needs --execution/);
    expect(scopeFlagConflict('shared', {})).toMatch(/--scope shared needs --execution/);
    expect(scopeFlagConflict('local', { execution: EXEC })).toBeUndefined();
    expect(scopeFlagConflict('shared', { execution: EXEC, rootExecution: ROOT })).toBeUndefined();
  });

  it('names the conflict when an execution is given for global or catalog', () => {
    expect(scopeFlagConflict('global', { execution: EXEC })).toMatch(/--execution conflicts with --scope global/);
    expect(scopeFlagConflict('catalog', { execution: EXEC })).toMatch(/--execution conflicts with --scope catalog/);
    expect(scopeFlagConflict('local', { execution: EXEC, rootExecution: ROOT })).toMatch(/--root-execution conflicts with --scope local/);
    expect(scopeFlagConflict('global', {})).toBeUndefined();
  });
});

describe('visibility', () => {
  const parent = { catalogId: CATALOG, executionId: ROOT };
  const child = { catalogId: CATALOG, executionId: EXEC, rootExecutionId: ROOT };
  const stranger = { catalogId: CATALOG, executionId: '42', rootExecutionId: '41' };
  const otherPlaybook = { catalogId: '7', executionId: ROOT };

  it('local: its own execution only, not children, not siblings', () => {
    const entry = { scope: 'local' as const, catalogId: CATALOG, executionId: ROOT };
    expect(isVisibleTo(entry, parent)).toBe(true);
    expect(isVisibleTo(entry, child)).toBe(false);
    expect(isVisibleTo(entry, stranger)).toBe(false);
  });

  it('shared: every execution under the same root', () => {
    const entry = { scope: 'shared' as const, catalogId: CATALOG, executionId: ROOT, rootExecutionId: ROOT };
    expect(isVisibleTo(entry, parent)).toBe(true);
    expect(isVisibleTo(entry, child)).toBe(true);
    expect(isVisibleTo(entry, stranger)).toBe(false);
  });

  it('global and catalog: every execution of that catalog entry, no other playbook', () => {
    for (const scope of ['global', 'catalog'] as const) {
      const entry = { scope, catalogId: CATALOG };
      expect(isVisibleTo(entry, parent)).toBe(true);
      expect(isVisibleTo(entry, stranger)).toBe(true);
      expect(isVisibleTo(entry, otherPlaybook)).toBe(false);
    }
  });
});

describe('refresh margin', () => {
  it('defaults to max(60 s, 10% of the TTL)', () => {
    expect(refreshMarginSeconds(3600)).toBe(360);
    expect(refreshMarginSeconds(300)).toBe(60);
    expect(refreshMarginSeconds(86400)).toBe(8640);
  });

  it('is configurable, and never more than half the TTL', () => {
    expect(refreshMarginSeconds(3600, 30)).toBe(30);
    expect(refreshMarginSeconds(60)).toBe(30);
    expect(refreshMarginSeconds(100, 500)).toBe(50);
  });

  it('decides due-ness at the margin boundary', () => {
    const issued = new Date('2026-01-01T00:00:00Z');
    const expires = new Date('2026-01-01T01:00:00Z'); // TTL 3600 s, margin 360 s
    expect(isDueForRenewal(issued, expires, new Date('2026-01-01T00:53:59Z'))).toBe(false);
    expect(isDueForRenewal(issued, expires, new Date('2026-01-01T00:54:00Z'))).toBe(true);
    expect(isDueForRenewal(issued, expires, new Date('2026-01-01T02:00:00Z'))).toBe(true);
    expect(isDueForRenewal(issued, expires, new Date('2026-01-01T00:58:00Z'), 60)).toBe(false);
  });
});
