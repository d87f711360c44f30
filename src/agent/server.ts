/**
 * The PostgreSQL protocol on a Unix socket, over one PGlite database, for many clients at once.
 *
 * PGlite has one session. Clients take turns at the granularity PostgreSQL itself needs: a
 * simple query ('Q'), or an extended-protocol run (Parse … Sync) as one unit, never interleaved
 * with another client's (an unnamed statement of one must not be replaced by another's); and a
 * client inside a transaction keeps the turn until it commits or rolls back (the others wait,
 * as they would on a PostgreSQL row lock). A client that goes away inside its transaction has it
 * rolled back. (@electric-sql/pglite-socket 0.2.17 queues single messages, so two `pg` clients
 * with parameters break each other there: "unnamed prepared statement does not exist".)
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const CANCEL_REQUEST_CODE = 80877102;
/** Messages that end a unit: Sync, and a simple Query. */
const UNIT_END = new Set(['S'.charCodeAt(0), 'Q'.charCodeAt(0)]);
const TERMINATE = 'X'.charCodeAt(0);

interface Client {
  socket: Socket;
  buffer: Buffer;
  started: boolean;
  /** Messages of the unit being received. */
  pending: Buffer[];
  closed: boolean;
}

interface Unit {
  client: Client;
  messages: Buffer[];
}

export interface DatabaseServer {
  /** Connected clients. */
  connections(): number;
  /** Stops listening, disconnects every client (a transaction in progress rolls back). */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Called when the number of connected clients changes. */
  onConnections?(count: number): void;
  /** A client's protocol failure (the client is disconnected), for the agent's log. */
  onError?(err: Error): void;
}

/** Serves `db` on the Unix socket `path` (replaced if there; 0600). */
export async function serveDatabase(db: PGlite, path: string, options: ServeOptions = {}): Promise<DatabaseServer> {
  const clients = new Set<Client>();
  const queue: Unit[] = [];
  /** The client whose transaction is open: only its units run. */
  let owner: Client | undefined;
  let running = false;

  const run = (unit: Unit) =>
    db.runExclusive(async () => {
      for (const message of unit.messages) {
        await db.execProtocolRawStream(message, {
          onRawData: (data) => {
            // A copy: PGlite hands out a view of its own memory, which the next chunk overwrites
            // while a large answer still waits in the socket's queue.
            if (!unit.client.closed) unit.client.socket.write(Buffer.from(data));
          },
        });
      }
    });

  /** Ends a transaction its client left open by going away. */
  const rollBackAbandoned = async () => {
    if (owner?.closed) {
      owner = undefined;
      if (db.isInTransaction()) await db.exec('ROLLBACK').catch((err: Error) => options.onError?.(err));
    }
  };

  const pump = async () => {
    if (running) return;
    running = true;
    try {
      for (;;) {
        await rollBackAbandoned();
        const next = owner ? queue.findIndex((u) => u.client === owner) : queue.length ? 0 : -1;
        if (next < 0) break;
        const [unit] = queue.splice(next, 1);
        if (unit.client.closed) continue;
        try {
          await run(unit);
        } catch (err) {
          options.onError?.(err as Error);
          unit.client.socket.destroy();
        }
        owner = db.isInTransaction() ? unit.client : undefined;
      }
    } finally {
      running = false;
    }
  };

  const enqueue = (client: Client, messages: Buffer[]) => {
    queue.push({ client, messages });
    void pump();
  };

  /** Splits what arrived into messages and units. */
  const receive = (client: Client, data: Buffer) => {
    client.buffer = client.buffer.length ? Buffer.concat([client.buffer, data]) : data;
    for (;;) {
      const buffer = client.buffer;
      if (!client.started) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        const code = buffer.readInt32BE(4);
        if (length === 8 && (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE)) {
          client.buffer = buffer.subarray(8);
          client.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST_CODE) {
          client.socket.destroy();
          return;
        }
        if (buffer.length < length) return;
        client.started = true;
        client.buffer = buffer.subarray(length);
        enqueue(client, [Buffer.from(buffer.subarray(0, length))]);
        continue;
      }
      if (buffer.length < 5) return;
      const size = 1 + buffer.readInt32BE(1);
      if (buffer.length < size) return;
      const type = buffer[0];
      const message = Buffer.from(buffer.subarray(0, size));
      client.buffer = buffer.subarray(size);
      if (type === TERMINATE) {
        client.socket.end();
        return;
      }
      client.pending.push(message);
      if (UNIT_END.has(type)) {
        enqueue(client, client.pending);
        client.pending = [];
      }
    }
  };

  const server = createServer((socket) => {
    const client: Client = { socket, buffer: Buffer.alloc(0), started: false, pending: [], closed: false };
    clients.add(client);
    options.onConnections?.(clients.size);
    socket.setNoDelay?.(true);
    socket.on('data', (data) => receive(client, data));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      client.closed = true;
      clients.delete(client);
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i].client === client) queue.splice(i, 1);
      options.onConnections?.(clients.size);
      void pump();
    });
  });

  rmSync(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);

  return {
    connections: () => clients.size,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const client of clients) {
        client.closed = true;
        client.socket.destroy();
      }
      await closed;
      // Let the unit in progress finish, then roll back what a disconnected client left open.
      while (running) await new Promise((resolve) => setTimeout(resolve, 5));
      await rollBackAbandoned();
    },
  };
}
