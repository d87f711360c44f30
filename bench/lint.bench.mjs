// `noetl lint`:
// - the upstream corpus (../shared/corpus/upstream-playbooks, ~100 real playbooks), linted by
//   `noetl lint` against `yamllint` on the same files, as whole processes, in the same run
//   (target: noetl at most a fifth of yamllint's time, issue 17);
// - a generated set of 10,000 playbooks (both dialects, keychains, templates, some mistakes):
//   files per second, and time at 2,500 / 5,000 / 10,000 files to show it grows linearly.
// yamllint is the Debian package `yamllint` (apt-get install -y yamllint).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fmt, median, noetl, ratio, root, tempDir, timeInterleaved, timePaired } from './lib.mjs';

const corpus = resolve(root, '../shared/corpus/upstream-playbooks');

function yamlFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []));
}

const yamllintFound = spawnSync('yamllint', ['--version'], { stdio: 'ignore' }).status === 0;

// 1. The corpus against yamllint.
const files = yamlFiles(corpus);
console.log(`corpus: ${files.length} files (${(files.reduce((n, f) => n + readFileSync(f).length, 0) / 1024).toFixed(0)} KiB)`);
const lintCorpus = { cmd: process.execPath, args: [noetl, 'lint', '--format', 'compact', ...files], env: { NO_COLOR: '1' }, okCodes: [0, 1] };
if (yamllintFound) {
  const paired = timePaired(lintCorpus, { cmd: 'yamllint', args: ['-f', 'parsable', ...files], okCodes: [0, 1] }, 15, 1);
  console.log(`  noetl lint: ${fmt(paired.a)}   yamllint: ${fmt(paired.b)}   noetl/yamllint: ${paired.ratio.toFixed(2)}× (median of 15 back-to-back pairs; target ≤ 0.2×)`);
} else {
  const [ours] = timeInterleaved([lintCorpus], 7, 1);
  console.log(`  noetl lint: ${fmt(ours)}`);
  console.log('  NOTE: yamllint is not installed, so there is no baseline: install the Debian package (apt-get install -y yamllint).');
}

// 2. A generated set of 10,000 playbooks in three folders of 2,500, 2,500 and 5,000.
const work = tempDir('noetl-bench-lint-');
const groups = [
  ['a', 2500],
  ['b', 2500],
  ['c', 5000],
];
let n = 0;
for (const [dir, count] of groups) {
  mkdirSync(join(work, dir));
  for (let i = 0; i < count; i++, n++) writeFileSync(join(work, dir, `playbook_${String(n).padStart(5, '0')}.yaml`), playbook(n));
}
const sizes = [
  [2500, ['a']],
  [5000, ['a', 'b']],
  [10000, ['a', 'b', 'c']],
];
const times = timeInterleaved(
  sizes.map(([, dirs]) => ({ cmd: process.execPath, args: [noetl, 'lint', '--format', 'compact', ...dirs.map((d) => join(work, d))], env: { NO_COLOR: '1' }, okCodes: [0, 1] })),
  5,
  1,
);
console.log('generated playbooks (whole process, including start-up and the JIT warming up):');
sizes.forEach(([count], k) => {
  console.log(`  ${String(count).padStart(6)} files: ${fmt(times[k])}   ${Math.round(count / (times[k] / 1000))} files/s   ${((times[k] / count) * 1000).toFixed(0)} µs/file`);
});
console.log(`  growth: 5,000/2,500 = ${ratio(times[1], times[0])}, 10,000/2,500 = ${ratio(times[2], times[0])} (start-up is a fixed cost, so below 2× and 4×)`);
// Linear growth means a constant cost per extra file: compare it between the two steps.
const marginal = [(times[1] - times[0]) / 2500, (times[2] - times[1]) / 5000].map((ms) => ms * 1000);
console.log(`  cost per extra file: ${marginal[0].toFixed(0)} µs (2,500→5,000), ${marginal[1].toFixed(0)} µs (5,000→10,000): ratio ${(marginal[1] / marginal[0]).toFixed(2)} (linear: 1.00)`);

// 3. The linter alone, in process (the library's lintText from dist/lib.js): no start-up, no walk.
const lib = await import('../dist/lib.js');
if (typeof lib.lintText !== 'function') {
  console.log('in process: skipped (dist/lib.js does not export lintText yet)');
} else {
  const texts = [];
  for (const [dir, count] of groups) for (const name of readdirSync(join(work, dir)).slice(0, count)) texts.push([name, readFileSync(join(work, dir, name), 'utf8')]);
  // Warm-up: one pass over all of them, so every size is timed with the same (optimized) code.
  for (const [name, text] of texts) lib.lintText(name, text);
  console.log('generated playbooks, in process (lintText, after a warm-up pass; median of 3):');
  const samples = sizes.map(() => []);
  for (let round = 0; round < 3; round++) {
    sizes.forEach(([count], k) => {
      const start = process.hrtime.bigint();
      for (const [name, text] of texts.slice(0, count)) lib.lintText(name, text);
      samples[k].push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  sizes.forEach(([count], k) => {
    const ms = median(samples[k]);
    const previous = k > 0 ? median(samples[k - 1]) : undefined;
    console.log(`  ${String(count).padStart(6)} files: ${fmt(ms)}   ${Math.round(count / (ms / 1000))} files/s${previous ? `   ×${(ms / previous).toFixed(2)} the previous size` : ''}`);
  });
}

/** One playbook: every fifth in the v1 dialect; a keychain on most; a mistake in every tenth. */
function playbook(i) {
  const v1 = i % 5 === 0;
  const typo = i % 10 === 3;
  const steps = 4 + (i % 5);
  const lines = [`apiVersion: noetl.io/${v1 ? 'v1' : 'v2'}`, 'kind: Playbook', 'metadata:', `  name: generated_${i}`, `  path: bench/generated_${i}`, 'workload:', '  pg_auth: pg_local', '  gcp_auth: google_oauth', `  openai_secret_path: projects/${i}/secrets/openai/versions/latest`, `  base_url: https://api.example.com/v${i % 3}`];
  const keychain = i % 4 !== 0;
  if (keychain) {
    lines.push(
      'keychain:',
      '  - name: openai_token',
      '    kind: secrets',
      '    provider: gcp',
      '    scope: global',
      '    auth: "{{ workload.gcp_auth }}"',
      '    map:',
      "      api_key: '{{ workload.openai_secret_path }}'",
      '  - name: service_token',
      '    kind: oauth2',
      `    scope: ${i % 3 === 0 ? 'local' : 'shared'}`,
      '    ttl_seconds: 1800',
      '    auto_renew: true',
      '    endpoint: "{{ workload.base_url }}/oauth/token"',
      '    data:',
      '      grant_type: client_credentials',
      `      client_id: "{{ keychain.${typo ? 'openai_tokn' : 'openai_token'}.api_key }}"`,
    );
  }
  lines.push('workflow:');
  if (!keychain) {
    lines.push('  - step: get_token', '    tool: python', '    auth:', '      credential: "{{ workload.gcp_auth }}"', '      bearer: true', '      variable: api_token', "    code: \"def main(auth_credential): return auth_credential['token']\"", '    next:', '      - step: start');
  }
  for (let s = 0; s < steps; s++) {
    const name = s === 0 ? 'start' : `step_${s}`;
    const next = s + 1 < steps ? `step_${s + 1}` : 'end';
    const prev = s === 0 ? 'workload' : `step_${s - 1 || 'x'}`.replace('step_x', 'start');
    lines.push(`  - step: ${name}`, `    desc: Generated step ${s} of playbook ${i}`);
    if (s % 2 === 0) {
      if (v1) lines.push('    tool: postgres', '    auth: "{{ workload.pg_auth }}"');
      else lines.push('    tool:', '      kind: postgres', `      auth: "{{ ${typo && s === 2 ? 'pg_aut' : 'pg_auth'} }}"`);
      lines.push(`${v1 ? '    ' : '      '}command: |`, `${v1 ? '      ' : '        '}INSERT INTO results (execution_id, step, payload)`, `${v1 ? '      ' : '        '}VALUES ({{ execution_id }}, '${name}', '{{ ${prev === 'workload' ? 'workload.base_url' : `${prev}.data | tojson`} }}');`);
    } else {
      const bearer = keychain ? '{{ keychain.service_token.access_token }}' : '{{ api_token }}';
      if (v1) lines.push('    tool: http', '    method: GET', `    endpoint: "{{ workload.base_url }}/items/{{ ${prev}.id }}"`, '    headers:', `      Authorization: "Bearer ${bearer}"`);
      else lines.push('    tool:', '      kind: http', '      method: GET', `      url: "{{ base_url }}/items/{{ ${prev}.id | default(0) }}"`, '      headers:', `        Authorization: "Bearer ${bearer}"`);
    }
    if (v1) lines.push('    next:', `      - step: ${next}`);
    else lines.push('    next:', '      spec:', '        mode: exclusive', '      arcs:', `        - step: ${next}`, `          when: "{{ event.name == 'step.done' }}"`);
  }
  lines.push('  - step: end', '    desc: done');
  return `${lines.join('\n')}\n`;
}
