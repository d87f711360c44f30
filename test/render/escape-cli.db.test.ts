import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';

const EXEC = '518508477736551392';

/**
 * A playbook from someone else (a pull request, a catalog entry): each template tries to run
 * code on the host through a different path — a constructor chain from a global function, from
 * nunjucks' cycler and joiner, from a string method, through `__proto__` — and would leave a file.
 */
function hostilePlaybook(marks: string): string {
  const run = (name: string) => `process.getBuiltinModule('fs').writeFileSync('${join(marks, name)}', 'pwned')`;
  return `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: hostile
  path: tests/render/hostile
workload:
  base: https://api.example.com
keychain:
  - name: planned
    kind: oauth2
    scope: global
    endpoint: "{{ range.constructor(\\"${run('keychain-endpoint')}\\")() }}"
  - name: fetched
    kind: static
    scope: global
    map:
      token: "{{ cycler.constructor(\\"${run('keychain-map')}\\")() }}"
workflow:
  - step: call
    tool:
      kind: http
      url: "{{ range.constructor(\\"${run('step-url')}\\")() }}"
      headers:
        X-Joiner: "{{ joiner.constructor(\\"${run('step-joiner')}\\")() }}"
        X-String: "{{ base.replace.constructor(\\"${run('step-string')}\\")() }}"
        X-Proto: "{{ workload.__proto__.constructor.constructor(\\"${run('step-proto')}\\")() }}"
`;
}

describe('untrusted templates never reach the host (built CLI)', () => {
  let env: NodeJS.ProcessEnv;
  let marks: string;
  let file: string;
  beforeAll(async () => {
    env = await testCliEnv();
    const dir = mkdtempSync(join(tmpdir(), 'noetl-escape-'));
    marks = join(dir, 'marks');
    mkdirSync(marks);
    file = join(dir, 'hostile.yaml');
    writeFileSync(file, hostilePlaybook(marks));
  });

  it('render: every payload is an undefined name, reported as a render error; nothing runs', { timeout: 120_000 }, async () => {
    const r = await runCli(['render', file, '--execution-id', EXEC, '-o', 'json'], { env });
    expect(readdirSync(marks)).toEqual([]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { steps: { templates: { field: string; rendered: string | null; error: string | null }[] }[] };
    const templates = report.steps[0].templates;
    expect(templates.map((t) => [t.field, t.rendered])).toEqual([
      ['tool.url', null],
      ['tool.headers.X-Joiner', null],
      ['tool.headers.X-String', null],
      ['tool.headers.X-Proto', null],
    ]);
    expect(templates.map((t) => t.error?.replace(/^cannot render '.*': /, ''))).toEqual([
      "'range.constructor' is not defined",
      "'joiner' is not defined",
      "'base.replace.constructor' is not defined",
      "'workload.__proto__' is not defined",
    ]);
  });

  it('keychain resolve --dry-run and keychain resolve: nothing runs, nothing is fetched or stored', { timeout: 120_000 }, async () => {
    const register = await runCli(['catalog', 'register', file], { env });
    expect(register.code, register.stderr).toBe(0);

    const plan = await runCli(['keychain', 'resolve', file, '--execution-id', EXEC, '--dry-run', '-o', 'json'], { env });
    expect(readdirSync(marks)).toEqual([]);
    expect(plan.code, plan.stderr).toBe(0);
    // A template that cannot render is shown as written.
    expect((JSON.parse(plan.stdout) as { entries: { source: string }[] }).entries[0].source).toContain('range.constructor(');

    const resolve = await runCli(['keychain', 'resolve', file, '--execution-id', EXEC, '-o', 'json'], { env });
    expect(readdirSync(marks)).toEqual([]);
    expect(resolve.code).toBe(1);
    expect(resolve.stderr).toContain("error: KEYCHAIN: Entry 'planned' (oauth2): cannot render");
    expect(resolve.stderr).toContain("'range.constructor' is not defined");
    expect(resolve.stderr).toContain("error: KEYCHAIN: Entry 'fetched' (static): cannot render");
    expect(resolve.stderr).toContain("'cycler' is not defined");
    expect(existsSync(join(marks, 'keychain-endpoint'))).toBe(false);
  });
});
