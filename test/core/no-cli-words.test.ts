/**
 * Below the CLI nothing names a CLI flag or a noetl command: a server answers with the same
 * errors, so what to do is a hint as data (`{ option, command, text }`) that the CLI renders
 * (`use --replace`, `run \`noetl db migrate\``). This reads every string literal of src/core and
 * src/backends (comments are not strings) and fails on `--flag` or `noetl <command>`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const LAYERS = ['src/core', 'src/backends'];
/** The CLI's nouns, from the NOUNS table of src/cli/program.ts (`noetl credential`, `noetl db`, …). */
const NOUNS = [...readFileSync(join(root, 'src/cli/program.ts'), 'utf8').matchAll(/^ {2}(\w+): async/gm)].map((m) => m[1]);
const CLI_WORDS = new RegExp(`(?:^|[\\s(\`'"/])--[a-z][a-z-]*|\\bnoetl (?:${NOUNS.join('|')})\\b`);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** A hint's `command` is a noetl command line by definition (`keychain set NAME --auto-renew`). */
function isHintCommand(node: ts.Node): boolean {
  // A template's head sits in its TemplateExpression; a middle or tail in a span of it.
  const literal = ts.isTemplateHead(node) ? node.parent : ts.isTemplateMiddle(node) || ts.isTemplateTail(node) ? node.parent.parent : node;
  const owner = literal.parent;
  return ts.isPropertyAssignment(owner) && owner.name.getText() === 'command';
}

/** The string literals and template pieces of a file (not its comments) that name a flag or a command. */
function cliWordsIn(file: string, text: string): string[] {
  if (!CLI_WORDS.test(text)) return []; // most files: no need to parse
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isStringLiteral(node) || ts.isTemplateLiteralToken(node)) && CLI_WORDS.test(node.text) && !isHintCommand(node)) {
      found.push(`${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('messages below the CLI', () => {
  it('name no CLI flag and no noetl command (a hint says what to do, as data)', () => {
    const files = LAYERS.flatMap((dir) => sourceFiles(join(root, dir)));
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((file) => cliWordsIn(file, readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('finds a flag or a command in a message, and not in a comment', () => {
    const sample = [
      "// use --replace here: a comment",
      "throw invalidError(`entry ${name} exists: use --replace`);",
      "const a = 'run noetl db migrate';",
      "const b = `${x} -- not a flag, x--y is none either, and noetl keeps no command here`;",
      "throw conflictError('x', { hint: { command: `keychain set ${n} --auto-renew` } });",
    ].join('\n');
    expect(cliWordsIn(join(root, 'sample.ts'), sample)).toEqual(['sample.ts:2:  exists: use --replace', 'sample.ts:3: run noetl db migrate']);
  });
});
