/** The shells `noetl completion` writes scripts for (its own module: the command tree must not load the generator). */
export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: Shell[] = ['bash', 'zsh', 'fish'];
