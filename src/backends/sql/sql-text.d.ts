/** A SQL file imported as its text (esbuild's plugin in scripts/build.mjs; vite's `?raw` in tests). */
declare module '*.sql?raw' {
  const text: string;
  export default text;
}
