/** A catalog reference `PATH[@VERSION]` split into its parts, with no I/O. */
import { invalidError } from './errors.js';

/** A catalog reference `PATH[@VERSION]`; no version means the latest. */
export interface PlaybookRef {
  path: string;
  version?: number;
}

/** Splits `PATH[@VERSION]`; a version that is not a positive integer is `invalid`. */
export function parsePlaybookRef(ref: string): PlaybookRef {
  const at = ref.lastIndexOf('@');
  if (at <= 0) return { path: ref };
  const versionText = ref.slice(at + 1);
  if (!/^[1-9][0-9]{0,8}$/.test(versionText)) {
    throw invalidError(`'${ref}': the version after @ must be a positive integer (e.g. ${ref.slice(0, at)}@2)`);
  }
  return { path: ref.slice(0, at), version: Number(versionText) };
}
