// Helpers for the tests that hold the architecture's import rules (only source runs git, only two
// commands start the sandbox, config and render never reach source): which files are the
// product's modules, and which modules a file reaches.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository's top directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Tests and their helpers (`*.test.ts`, `testing.ts`, `*-testing.ts`): they may do what the product may not. */
export function isTestFile(file: string): boolean {
  const name = path.basename(file);
  return name.endsWith('.test.ts') || name === 'testing.ts' || name.endsWith('-testing.ts');
}

/**
 * The product's modules below `dir` (TypeScript and JavaScript sources, no declaration files, no
 * tests nor their helpers), leaving out node_modules, dot folders and every path `skip` names.
 */
export function productFiles(dir: string, skip: (full: string) => boolean = () => false, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.') || skip(full)) continue;
    if (statSync(full).isDirectory()) productFiles(full, skip, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') && !isTestFile(full)) out.push(full);
  }
  return out;
}

/** A file parsed for the checks. */
export function parseModule(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
}

/**
 * Every module a file reaches, by the node that reaches it: static imports and re-exports,
 * `import()` and `require()` calls, and `import('…')` types. The specifier is the literal's text,
 * or the head of a template (`import(`../source/${x}`)`).
 */
export function moduleReferences(sf: ts.SourceFile): Map<ts.Node, string> {
  const found = new Map<ts.Node, string>();
  const visit = (node: ts.Node): void => {
    let specifier: ts.Node | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) specifier = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) specifier = node.arguments[0];
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) specifier = node.argument.literal;
    const text = specifier && literalText(specifier);
    if (text !== undefined) found.set(node, text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Text of a string literal, or the head of a template (`git ${x}`), else undefined. */
export function literalText(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text;
  return undefined;
}

/** `line: what`, the line of `node` counted from 1. */
export function atLine(sf: ts.SourceFile, node: ts.Node, what: string): string {
  return `${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: ${what}`;
}
