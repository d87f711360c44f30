import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';

const EXEC = '507431238966182398';
const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: defaults
  path: tests/render/defaults
workload:
  region: eu
workflow:
  - step: call
    tool:
      kind: http
      url: "{{ workload.base_url | default('https://api.example.com') }}/v1"
      params:
        region: "{{ region | default('us') }}"
        limit: "{{ page_size | d(50) }}"
        flag: "{% if debug is defined %}{{ debug }}{% else %}off{% endif %}"
        body: "{{ {'a': 1, 'ok': true, 'none': none} }}"
        json: "{{ {'b': [1, 2], 'a': '<x>'} | tojson }}"
  - step: report
    tool:
      kind: http
      url: "https://api.example.com/{{ page_size }}"
`;

describe('noetl render renders as a worker would, and a reference default covers is not unresolved (built CLI)', () => {
  let env: NodeJS.ProcessEnv;
  let file: string;
  beforeAll(async () => {
    env = await testCliEnv();
    file = join(mkdtempSync(join(tmpdir(), 'noetl-render-default-')), 'defaults.yaml');
    writeFileSync(file, PLAYBOOK);
  });

  it('covered references resolve (exit 0); the same name uncovered elsewhere is still listed', { timeout: 120_000 }, async () => {
    const step = await runCli(['render', file, '--execution', EXEC, '--step', 'call', '-o', 'json'], { env });
    expect(step.code, step.stderr).toBe(0);
    const report = JSON.parse(step.stdout) as { steps: { templates: { field: string; rendered: string }[] }[]; unresolved: unknown[] };
    expect(report.unresolved).toEqual([]);
    expect(Object.fromEntries(report.steps[0].templates.map((t) => [t.field, t.rendered]))).toEqual({
      'tool.url': 'https://api.example.com/v1',
      'tool.params.region': 'eu',
      'tool.params.limit': '50',
      'tool.params.flag': 'off',
      'tool.params.body': "{'a': 1, 'ok': True, 'none': None}",
      'tool.params.json': '{"a": "\\u003cx\\u003e", "b": [1, 2]}',
    });

    const all = await runCli(['render', file, '--execution', EXEC, '-o', 'json'], { env });
    expect(all.code, all.stderr).toBe(1);
    const full = JSON.parse(all.stdout) as { unresolved: { step: string; reference: string; reason: string }[] };
    expect(full.unresolved.map((u) => [u.step, u.reference, u.reason])).toEqual([['report', 'page_size', 'no such variable']]);
  });
});
