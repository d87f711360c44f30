/** The package version; the build replaces NOETL_VERSION with package.json's, tests read package.json. */
declare const NOETL_VERSION: string | undefined;

export const VERSION: string = typeof NOETL_VERSION === 'string' ? NOETL_VERSION : '0.0.0-dev';
