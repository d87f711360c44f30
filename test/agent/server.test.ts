// The agent's protocol server, in process over an in-memory PGlite: many `pg` clients at once,
// with parameters (extended protocol) and transactions. pglite-socket 0.2.17's multiplexer fails
// this ("unnamed prepared statement does not exist"): it interleaves single messages.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDatabase, type DatabaseServer } from '../../src/agent/server.js';

describe('the agent protocol server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-agent-server-'));
  let db: PGlite;
  let server: DatabaseServer;
  const counts: number[] = [];
  const pool = (max = 1) => new pg.Pool({ host: dir, port: 5432, user: 'postgres', database: 'postgres', max });

  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec('CREATE TABLE t (id serial PRIMARY KEY, writer int NOT NULL, v text NOT NULL)');
    server = await serveDatabase(db, join(dir, '.s.PGSQL.5432'), { onConnections: (n) => counts.push(n) });
  });
  afterAll(async () => {
    await server.close();
    await db.close();
  });

  it('answers with values of megabytes whole (PGlite hands out views of its memory: each chunk is copied before it is queued)', { timeout: 20_000 }, async () => {
    const p = pool();
    try {
      for (const size of [300_000, 4_000_000]) {
        const value = 'x'.repeat(size - 1) + 'y';
        const { rows } = await p.query<{ v: string }>('INSERT INTO t (writer, v) VALUES ($1, $2) RETURNING v', [-1, value]);
        expect(rows[0].v.length).toBe(size);
        expect(rows[0].v === value).toBe(true);
      }
    } finally {
      await p.end();
    }
    await db.query('DELETE FROM t WHERE writer = -1');
  });

  it('keeps every write of 8 clients × 25, each reading its own writes, with transactions among them', async () => {
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        const p = pool();
        try {
          for (let i = 0; i < 25; i++) {
            if (i % 4 === 0) {
              const c = await p.connect();
              try {
                await c.query('BEGIN');
                await c.query('INSERT INTO t (writer, v) VALUES ($1, $2)', [writer, `tx${i}`]);
                // Another client's statement now would see this uncommitted row: they wait instead.
                await c.query('SELECT pg_sleep(0.002)');
                await c.query('COMMIT');
              } finally {
                c.release();
              }
            } else await p.query('INSERT INTO t (writer, v) VALUES ($1, $2)', [writer, `v${i}`]);
            const { rows } = await p.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE writer = $1', [writer]);
            expect(rows[0].n).toBe(i + 1);
          }
        } finally {
          await p.end();
        }
      }),
    );
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(200);
    expect(Math.max(...counts)).toBeGreaterThan(1);
    // Each client's close arrives a moment after its pool ends.
    for (let i = 0; i < 200 && server.connections() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.connections()).toBe(0);
  });

  it('rolls back the transaction of a client that goes away, and the others go on', async () => {
    const left = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
    left.on('error', () => undefined);
    await left.connect();
    await left.query('BEGIN');
    await left.query("INSERT INTO t (writer, v) VALUES (99, 'abandoned')");
    const other = pool();
    const waiting = other.query('SELECT count(*)::int AS n FROM t WHERE writer = 99');
    (left as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows[0].n).toBe(0);
    await other.query("INSERT INTO t (writer, v) VALUES (100, 'after')");
    expect((await other.query('SELECT writer FROM t WHERE writer >= 99')).rows).toEqual([{ writer: 100 }]);
    await other.end();
  });
});
