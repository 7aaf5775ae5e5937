/**
 * The public surface, pinned: the names each entry point exports at run time and in its types
 * (`./strapi-server`, `./strapi-admin`, `./client`, `./server`). A refactor must leave them as
 * they are; a deliberate API change updates exports.json in the same commit.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const pinned = JSON.parse(readFileSync(path.join(__dirname, 'exports.json'), 'utf8')) as Record<
  string,
  { runtime?: string[]; types: string[] }
>;
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const require = createRequire(path.join(root, 'package.json'));

function typeExports(file: string): string[] {
  const program = ts.createProgram([file], { skipLibCheck: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!);
  return module
    ? checker
        .getExportsOfModule(module)
        .map((s) => s.name)
        .sort()
    : [];
}

describe('public entry points', () => {
  it.each(Object.keys(pinned))('%s exports the same names, at run time and in its types', (entry) => {
    const conditions = pkg.exports[entry];
    expect(typeExports(path.join(root, conditions.types))).toEqual(pinned[entry].types);
    if (!pinned[entry].runtime) return; // the admin bundle needs a browser to load
    const loaded = require(`strapi-plugin-refresh-token/${entry.slice(2)}`);
    // The Strapi server entry is one object of lifecycle slots: pin its keys.
    expect(Object.keys(entry === './strapi-server' ? loaded.default : loaded).sort()).toEqual(pinned[entry].runtime);
  });

  it('pins every entry point the package declares (but package.json)', () => {
    expect(
      Object.keys(pkg.exports)
        .filter((e) => e !== './package.json')
        .sort()
    ).toEqual(Object.keys(pinned).sort());
  });
});
