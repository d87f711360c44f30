/** Files only their owner reads: written atomically (a temporary file renamed over), mode 0600 in a 0700 directory. */
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `text` to `path`, mode 0600, creating its directory (0700) when missing: a reader sees
 * the old file or the new one, never half of one, and never a moment where others may read it.
 */
export function writePrivateFile(path: string, text: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Unique per process and moment; 'wx' refuses to reuse one left behind. (No node:crypto: start-up time.)
  const temporary = `${path}.${process.pid}-${Date.now()}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
    // The umask may have taken bits off, never added: this makes it exactly 0600.
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}
