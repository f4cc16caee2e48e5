import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every word the wizard shows comes from its catalogs. This scans the wizard's components for words written into the
 * code instead: JSX text, text attributes (`aria-label`, `title`, `label`, …) and sentence-like string literals; and
 * for keys used in code that the English catalog lacks. Each finding names file, line and text, so a string another
 * change added is quick to move into `locales/*.json`.
 */
const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['src/features/wizard/components', 'src/features/wizard/hooks', 'src/app/routes/setup'];

/** Shown as they are in every language: product names, and Microsoft's own words the admin must find in its UI. */
const AS_IS = new Set([
  'Kantiv Connect',
  'Microsoft Entra ID',
  'Accounts in this organizational directory only (Single tenant)',
]);
const TEXT_ATTRIBUTES = new Set([
  'aria-label',
  'aria-description',
  'title',
  'alt',
  'placeholder',
  'label',
  'caption',
  'waiting',
]);
/** A placeholder that is an example value, not words (`contoso.crm.dynamics.com`). */
const isExample = (text: string) => /^[\w.-]+\.[a-z]{2,}$/.test(text);
const hasWords = (text: string) => /\p{L}{2,}/u.test(text);
/** An English sentence in a string literal: capital letter, at least two words, and a sentence's end. */
const isSentence = (text: string) => /^[A-Z][\s\S]*\s[\s\S]*[.!?…:]$/.test(text.trim());

function files(dir: string): string[] {
  return readdirSync(path.join(web, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(path.join(dir, entry.name))
      : /\.tsx?$/.test(entry.name)
        ? [path.join(dir, entry.name)]
        : [],
  );
}

/** A thrown `Error`'s message is for developers and logs, never shown as the page's words. */
const isForDevelopers = (node: ts.Node) =>
  ts.isImportDeclaration(node.parent) ||
  (ts.isNewExpression(node.parent) && node.parent.expression.getText() === 'Error');

type Finding = { where: string; text: string; kind: string };

function scan(file: string): { findings: Finding[]; keys: { where: string; key: string }[] } {
  const source = ts.createSourceFile(
    file,
    readFileSync(path.join(web, file), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const findings: Finding[] = [];
  const keys: { where: string; key: string }[] = [];
  const where = (node: ts.Node) => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `web/${file}:${line + 1}:${character + 1}`;
  };
  const report = (node: ts.Node, text: string, kind: string) => {
    const trimmed = text.replace(/\s+/g, ' ').trim();
    if (hasWords(trimmed) && !AS_IS.has(trimmed)) findings.push({ where: where(node), text: trimmed, kind });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node)) report(node, node.text, 'JSX text');
    else if (ts.isJsxAttribute(node) && node.initializer) {
      const name = node.name.getText(source);
      const value = ts.isStringLiteral(node.initializer)
        ? node.initializer.text
        : ts.isJsxExpression(node.initializer) &&
            node.initializer.expression &&
            ts.isStringLiteralLike(node.initializer.expression)
          ? node.initializer.expression.text
          : undefined;
      if (name === 'i18nKey' && value !== undefined) keys.push({ where: where(node), key: value });
      else if (TEXT_ATTRIBUTES.has(name) && value !== undefined && !isExample(value))
        report(node, value, `attribute ${name}`);
    } else if (ts.isJsxExpression(node) && node.expression && ts.isStringLiteralLike(node.expression))
      report(node, node.expression.text, 'JSX string');
    else if (ts.isStringLiteralLike(node) && isSentence(node.text) && !isForDevelopers(node))
      report(node, node.text, 'string literal');
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 't' &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    )
      keys.push({ where: where(node), key: node.arguments[0].text });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { findings, keys };
}

type Tree = { [key: string]: string | Tree };
const english = JSON.parse(
  readFileSync(path.join(web, 'src/features/wizard/locales/en.json'), 'utf8'),
) as Tree;
function has(key: string): boolean {
  const parts = key.split('.');
  const last = parts.pop() ?? '';
  let node: string | Tree | undefined = english;
  for (const part of parts) node = typeof node === 'object' ? node[part] : undefined;
  if (typeof node !== 'object') return false;
  return typeof node[last] === 'string' || typeof node[`${last}_other`] === 'string';
}

const scanned = SCANNED.flatMap(files).map((file) => scan(file));

describe('wizard strings', () => {
  it('scans the wizard’s pages (the scan itself finds words where they are)', () => {
    expect(scanned.length).toBeGreaterThan(20);
    const probe = ts.createSourceFile('probe.tsx', 'const x = <p>Hello there</p>;', ts.ScriptTarget.Latest);
    let found = false;
    const look = (n: ts.Node): void => {
      if (ts.isJsxText(n) && hasWords(n.text)) found = true;
      ts.forEachChild(n, look);
    };
    look(probe);
    expect(found).toBe(true);
  });

  it('shows no words that are not in the catalogs', () => {
    const findings = scanned.flatMap((s) => s.findings);
    const lines = findings.map((f) => `${f.where} ${f.kind} not extracted: "${f.text}"`);
    expect(lines, 'move these into web/src/features/wizard/locales/*.json and use t()').toEqual([]);
  });

  it('uses no key the English catalog lacks', () => {
    const missing = scanned
      .flatMap((s) => s.keys)
      .filter((k) => !has(k.key))
      .map((k) => `${k.where} key "${k.key}" is not in en.json`);
    expect(missing).toEqual([]);
  });
});
