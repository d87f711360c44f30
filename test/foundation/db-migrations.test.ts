import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MIGRATIONS, loadMigrations } from '../../src/backends/sql/migrate.js';
import { repoRoot } from '../helpers/cli.js';

const DIR = join(repoRoot, 'src/backends/sql/migrations');

describe('bundled migrations', () => {
  it('are exactly the .sql files of src/backends/sql/migrations, with their text (a new file needs its import line in migrate.ts)', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort();
    expect(Object.keys(BUNDLED_MIGRATIONS).sort()).toEqual(files);
    for (const file of files) expect(BUNDLED_MIGRATIONS[file], file).toBe(readFileSync(join(DIR, file), 'utf8'));
  });

  it('load in version order with a sha256 of their text', () => {
    const migrations = loadMigrations({ '0002_b.sql': 'SELECT 2;', '0001_a.sql': 'SELECT 1;', 'notes.txt': 'x' });
    expect(migrations.map((m) => [m.version, m.name, m.file])).toEqual([
      [1, 'a', '0001_a.sql'],
      [2, 'b', '0002_b.sql'],
    ]);
    expect(migrations[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
