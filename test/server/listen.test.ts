// Pure pieces of the server: where it listens, sizes, log levels, Prometheus text.
import { describe, expect, it } from 'vitest';
import { isLoopback, parseByteSize, parseListen, urlOf } from '../../src/server/listen.js';
import { jsonLogger } from '../../src/server/log.js';
import { Counter } from '../../src/server/metrics.js';
import { tokenOf } from '../../src/server/auth.js';

describe('listen addresses', () => {
  it('parses HOST:PORT, [IPv6]:PORT, :PORT and PORT', () => {
    expect(parseListen('127.0.0.1:8082')).toEqual({ host: '127.0.0.1', port: 8082 });
    expect(parseListen('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseListen(':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseListen('9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseListen('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    for (const bad of ['nowhere', '127.0.0.1', '1.2.3.4:70000', '[nothost]:80', '::1:80']) expect(() => parseListen(bad), bad).toThrow(/is not HOST:PORT/);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1'].some(isLoopback)).toBe(false);
    expect(urlOf({ host: '::1', port: 1 }, true)).toBe('https://[::1]:1');
  });

  it('parses body limits up to 64 MiB', () => {
    expect(parseByteSize('1m')).toBe(1048576);
    expect(parseByteSize('512k')).toBe(524288);
    expect(parseByteSize('2MiB')).toBe(2097152);
    expect(parseByteSize('100')).toBe(100);
    expect([parseByteSize('0'), parseByteSize('65m'), parseByteSize('1g'), parseByteSize('x')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('logs, metrics, tokens', () => {
  it('writes JSON lines at the level and above', () => {
    const lines: string[] = [];
    const log = jsonLogger((l) => lines.push(l), 'warn', () => new Date('2026-01-01T00:00:00Z'));
    log.info('hidden');
    log.debug('hidden');
    log.warn('shown', { route: '/health' });
    log.error('shown too');
    expect(lines).toEqual(['{"time":"2026-01-01T00:00:00.000Z","level":"warn","msg":"shown","route":"/health"}\n', '{"time":"2026-01-01T00:00:00.000Z","level":"error","msg":"shown too"}\n']);
    const silent: string[] = [];
    jsonLogger((l) => silent.push(l), 'silent').error('nothing');
    expect(silent).toEqual([]);
  });

  it('escapes label values in the Prometheus text', () => {
    const c = new Counter('x_total', 'help');
    c.inc({ route: 'a"b\\c\nd' }, 2);
    expect(c.render()).toBe('# HELP x_total help\n# TYPE x_total counter\nx_total{route="a\\"b\\\\c\\nd"} 2');
  });

  it('takes the token from Authorization, then X-Session-Token, then the session_token cookie', () => {
    expect(tokenOf({ headers: { authorization: 'Bearer a', 'x-session-token': 'b', cookie: 'session_token=c' } })).toBe('a');
    expect(tokenOf({ headers: { authorization: 'Basic xyz', 'x-session-token': 'b' } })).toBe('b');
    expect(tokenOf({ headers: { cookie: 'x=1; session_token=c; y=2' } })).toBe('c');
    expect(tokenOf({ headers: {} })).toBeUndefined();
  });
});
