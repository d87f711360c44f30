// The embedded database agent (issue 16): started by the first command on a data directory,
// shared by commands running at once, replaced when killed or of another build, stopped by
// `db agent stop`, by its idle time, and by a command in in-process mode. Agent processes are
// real (the built CLI); every test stops the agents it started.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';

const EXEC = '507431238966182398';
const started: NodeJS.ProcessEnv[] = [];

/** A CLI environment on a fresh data directory, with the agent on. */
async function agentEnv(idle = '120s'): Promise<NodeJS.ProcessEnv> {
  const env = { ...(await testCliEnv()), NOETL_EMBEDDED_AGENT: 'on', NOETL_AGENT_IDLE_TIMEOUT: idle };
  started.push(env);
  return env;
}

async function ok(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runCli(args, { env });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

interface Status {
  running: boolean;
  pid: number | null;
  socket: string | null;
  connections: number | null;
  current_build: boolean | null;
  uptime_seconds: number | null;
  log: string;
}

const status = async (env: NodeJS.ProcessEnv) => JSON.parse(await ok(['db', 'agent', 'status', '-o', 'json'], env)) as Status;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls `check` (no fixed sleeps) until it holds or `ms` pass. */
async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const varNames = async (env: NodeJS.ProcessEnv) => (JSON.parse(await ok(['vars', 'show', EXEC, '-o', 'json'], env)) as { name: string }[]).map((v) => v.name).sort();

afterAll(async () => {
  for (const env of started) await runCli(['db', 'agent', 'stop'], { env });
}, 60_000);

describe('the embedded database agent', () => {
  it('is started once by commands starting at once, serves them, shows itself, and stops', async () => {
    const env = await agentEnv();
    const dataDir = env.NOETL_DATA_DIR!;
    const results = await Promise.all(['a', 'b', 'c'].map((n) => runCli(['vars', 'set', EXEC, `v_${n}`, '--value', n, '--raw'], { env })));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(await varNames(env)).toEqual(['v_a', 'v_b', 'v_c']);

    const agent = await status(env);
    expect(agent).toMatchObject({ running: true, current_build: true, socket: join(dataDir, '.s.PGSQL.5432') });
    expect(alive(agent.pid!)).toBe(true);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(agent.socket!).mode & 0o777).toBe(0o600);
    expect(statSync(agent.log).mode & 0o777).toBe(0o600);
    // One agent: the other commands found it starting and waited for it.
    expect(readFileSync(agent.log, 'utf8').match(/agent: serving/g)).toHaveLength(1);

    const info = JSON.parse(await ok(['db', 'info', '-o', 'json'], env)) as { backend: string; agent: Status };
    expect(info.backend).toBe('embedded');
    expect(info.agent).toMatchObject({ running: true, pid: agent.pid });
    expect((await runCli(['db', 'info'], { env })).stdout).toMatch(new RegExp(`pid\\s+${agent.pid}`));

    expect(JSON.parse(await ok(['db', 'agent', 'stop', '-o', 'json'], env))).toEqual({ data_dir: dataDir, pid: agent.pid, stopped: true });
    expect(alive(agent.pid!)).toBe(false);
    expect(await status(env)).toMatchObject({ running: false, pid: null });
    expect(() => statSync(`${dataDir}.lock`)).toThrow(/ENOENT/);
    expect(() => statSync(agent.socket!)).toThrow(/ENOENT/);
  });

  it('serves one schema: a command in another schema is refused, naming both, and writes nothing there', async () => {
    const env = await agentEnv();
    await ok(['vars', 'set', EXEC, 'v', '--value', 'x', '--raw'], env);
    const other = await runCli(['vars', 'set', EXEC, 'w', '--value', 'y', '--raw'], { env: { ...env, NOETL_SCHEMA: 'other' } });
    expect(other.code).toBe(4);
    expect(other.stderr).toMatch(/serves schema noetl, and this command works in other: an agent serves one schema: run `noetl db agent stop` first/);
    expect(await varNames(env)).toEqual(['v']);
  });

  it('loses no acknowledged write when killed (kill -9) mid-write, and the next command replaces it', async () => {
    const env = await agentEnv();
    await ok(['vars', 'set', EXEC, 'first', '--value', '0', '--raw'], env);
    const { pid } = await status(env);
    const writes = Array.from({ length: 12 }, (_, i) => runCli(['vars', 'set', EXEC, `w_${i}`, '--value', String(i), '--raw'], { env }));
    // Kill it once some writes were acknowledged and others are still in flight.
    await Promise.race(writes);
    process.kill(pid!, 'SIGKILL');
    const results = await Promise.all(writes);
    const acknowledged = results.flatMap((r, i) => (r.code === 0 ? [`w_${i}`] : []));
    for (const r of results.filter((x) => x.code !== 0)) expect(r.stderr).toMatch(/^error: /);
    expect(acknowledged.length).toBeGreaterThan(0);

    const names = await varNames(env); // starts a new agent
    for (const name of ['first', ...acknowledged]) expect(names).toContain(name);
    const replacement = await status(env);
    expect(replacement.running).toBe(true);
    expect(replacement.pid).not.toBe(pid);
  });

  it('replaces an agent of another build, and is stopped by a command in in-process mode', async () => {
    const env = await agentEnv();
    await ok(['vars', 'set', EXEC, 'kept', '--value', '1', '--raw'], env);
    const old = await status(env);
    const handshake = join(env.NOETL_DATA_DIR!, '.noetl-agent.json');
    writeFileSync(handshake, JSON.stringify({ ...JSON.parse(readFileSync(handshake, 'utf8')), build: 'an-older-build' }));
    expect((await status(env)).current_build).toBe(false);

    expect(await varNames(env)).toEqual(['kept']);
    const current = await status(env);
    expect(current).toMatchObject({ running: true, current_build: true });
    expect(current.pid).not.toBe(old.pid);
    expect(alive(old.pid!)).toBe(false);

    const inProcess = { ...env, NOETL_EMBEDDED_AGENT: 'off' };
    await ok(['vars', 'set', EXEC, 'in_process', '--value', '2', '--raw'], inProcess);
    expect(alive(current.pid!)).toBe(false);
    expect(await status(env)).toMatchObject({ running: false });
    expect(await varNames(inProcess)).toEqual(['in_process', 'kept']);
  });

  it('exits after its idle time without connections', async () => {
    const env = await agentEnv('1s');
    await ok(['vars', 'set', EXEC, 'x', '--value', '1', '--raw'], env);
    const { log, pid } = await status(env);
    await until(() => !alive(pid!));
    expect((await status(env)).running).toBe(false);
    expect(readFileSync(log, 'utf8')).toMatch(/stopping: idle for 1s\n.*agent: stopped/);
  });

  it('refuses a bad setting and a PostgreSQL database', async () => {
    const env = await testCliEnv();
    const bad = await runCli(['vars', 'show', EXEC], { env: { ...env, NOETL_EMBEDDED_AGENT: 'maybe' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: NOETL_EMBEDDED_AGENT=maybe is not on or off/);
    const idle = await runCli(['vars', 'show', EXEC], { env: { ...env, NOETL_EMBEDDED_AGENT: 'on', NOETL_AGENT_IDLE_TIMEOUT: 'soon' } });
    expect(idle.code).toBe(2);
    expect(idle.stderr).toMatch(/NOETL_AGENT_IDLE_TIMEOUT soon is not a duration/);
    const pg = await runCli(['--database-url', 'postgres://127.0.0.1:1/x', 'db', 'agent', 'status'], { env });
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/serves an embedded data directory/);
  });
});
