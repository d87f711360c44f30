// Builds dist/: the command tree as one ESM bundle (dist/noetl.js, with code split into
// chunks that load only when a command needs them; it exports main() and run(), bin/noetl
// calls run()), the library (dist/lib.js, and dist/sql.js for `noetl/sql`) with the SQL
// migrations inside as text, and the library's type declarations (--types).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

/** A plugin that replaces `from` with `to` in one dependency file, and stops the build when the file no longer has it. */
function patchDependency(name, file, from, to) {
  return {
    name,
    setup(b) {
      b.onLoad({ filter: new RegExp(`node_modules/${file.replace(/[.]/g, '\\.')}$`) }, async (args) => {
        const { readFile } = await import('node:fs/promises');
        const text = await readFile(args.path, 'utf8');
        const patched = text.replace(from, to);
        if (patched === text) throw new Error(`${file} changed: review the ${name} patch in scripts/build.mjs`);
        return { contents: patched, loader: 'js' };
      });
    },
  };
}

// The two patches below are kept for a measured start-up cost each (Node 20, this 2-core
// machine, CPU time of a cold process: `node -e "…"` with process.cpuUsage()). The build stops
// when a patched text is gone; test/foundation/startup.test.ts fails when a patch stops
// keeping its built-in off the start-up path (process.moduleLoadList).
//
// pg probes for Cloudflare Workers with `new Response(…)`, which loads Node's whole fetch
// implementation (undici: 39–48 ms CPU measured) on every database command; on Node that probe
// is always false.
const skipCloudflareProbe = patchDependency('skip-cloudflare-probe', 'pg/lib/stream.js', "typeof Response === 'function'", 'false');

// commander loads child_process (and with it net and dgram: 5–8 ms CPU measured) on every
// start, for executable subcommands, which noetl has none of: load it when a subcommand would spawn.
const lazyChildProcess = patchDependency(
  'lazy-child-process',
  'commander/lib/command.js',
  "const childProcess = require('node:child_process');",
  "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };",
);

// `import sql from './x.sql?raw'` (vite's spelling, which vitest understands too): the file's text as a string.
const sqlText = {
  name: 'sql-text',
  setup(b) {
    b.onResolve({ filter: /\.sql\?raw$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'sql-text' }));
    b.onLoad({ filter: /.*/, namespace: 'sql-text' }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      return { contents: await readFile(args.path, 'utf8'), loader: 'text', resolveDir: dirname(args.path), watchFiles: [args.path] };
    });
  },
};

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const root = new URL('..', import.meta.url).pathname;

// Built beside dist/ and swapped in at the end, so a CLI test running meanwhile never sees half a build.
const out = `${root}dist.next`;
rmSync(out, { recursive: true, force: true });
// The command tree and the library are built apart: code they share would otherwise land in
// small shared chunks, and every chunk a command loads costs start-up time.
const common = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Database drivers and WebAssembly stay in node_modules and load on use. cli-table3 stays out
  // too: output.ts loads it with require() on first use. yaml is bundled, so `noetl lint` loads it
  // as part of one chunk instead of ~60 CommonJS files (output.ts's require() still reads node_modules).
  // The template engine (one ESM file) is bundled into the chunk that imports it on first use.
  external: ['pg-native', 'cli-table3', '@electric-sql/pglite', '@electric-sql/pglite/*', '@napi-rs/keyring', 'ajv', 'oauth2-mock-server'],
  define: { NOETL_VERSION: JSON.stringify(pkg.version) },
  banner: { js: "import { createRequire as __noetlCreateRequire } from 'node:module'; const require = __noetlCreateRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [skipCloudflareProbe, lazyChildProcess, sqlText],
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
};
await build({ ...common, entryPoints: { noetl: `${root}src/cli/entry.ts` }, outdir: out });
// The library: `noetl` (createClient and the API) and `noetl/sql` (the SQL layer), sharing chunks.
await build({ ...common, entryPoints: { lib: `${root}src/lib.ts`, sql: `${root}src/sql.ts` }, outdir: out, chunkNames: 'lib-chunks/[name]-[hash]' });
await initdbArchive(out);
const types = `${root}dist/types`;
if (existsSync(types)) renameSync(types, `${out}/types`);
rmSync(`${root}dist.old`, { recursive: true, force: true });
if (existsSync(`${root}dist`)) renameSync(`${root}dist`, `${root}dist.old`);
renameSync(out, `${root}dist`);
rmSync(`${root}dist.old`, { recursive: true, force: true });

if (process.argv.includes('--types')) {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
}

/**
 * dist/initdb.tar.gz: a new PGlite data directory as initdb leaves it, nothing of ours in it (the
 * schema is migrated on first use as before), which src/backends/sql/connect.ts starts a new
 * embedded database from: initdb is most of the seconds a first command took. Made once per
 * PGlite version (dist/initdb.json says which) and carried over from the previous build.
 */
async function initdbArchive(outDir) {
  const pglite = JSON.parse(readFileSync(`${root}node_modules/@electric-sql/pglite/package.json`, 'utf8')).version;
  const previous = `${root}dist`;
  try {
    if (JSON.parse(readFileSync(`${previous}/initdb.json`, 'utf8')).pglite === pglite && existsSync(`${previous}/initdb.tar.gz`)) {
      copyFileSync(`${previous}/initdb.tar.gz`, `${outDir}/initdb.tar.gz`);
      copyFileSync(`${previous}/initdb.json`, `${outDir}/initdb.json`);
      return;
    }
  } catch {
    /* no previous build */
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dir = mkdtempSync(join(tmpdir(), 'noetl-initdb-'));
  try {
    // As connect.ts starts the embedded database.
    const db = await PGlite.create(join(dir, 'db'), { postgresqlconf: 'shared_buffers=8MB' });
    const archive = await db.dumpDataDir('gzip');
    await db.close();
    writeFileSync(`${outDir}/initdb.tar.gz`, Buffer.from(await archive.arrayBuffer()));
    writeFileSync(`${outDir}/initdb.json`, JSON.stringify({ pglite }) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
