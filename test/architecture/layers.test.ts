import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  directionViolations,
  type ImportEdge,
  importSpecifiers,
  libCycles,
  readImportGraph,
} from './import-graph.ts';

/**
 * The layer rules (DEVELOPERS.md, docs/architecture.md): edges (functions/, cli/, scripts/) → lib/ →
 * lib/contracts/, which infra/ reads too; no loop between lib/ subfolders. Biome's noImportCycles
 * catches file-level cycles; this catches the folder-level ones and the upward imports.
 */

const root = resolve(import.meta.dirname, '../..');
const edge = (from: string, to: string): ImportEdge => ({ from, to, specifier: `./${to}` });

describe('the import graph reader', () => {
  it('finds static, type-only, re-export and dynamic imports', () => {
    const source = [
      "import { a } from '../a.ts';",
      "import type { B } from './b.ts';",
      "export { c } from '../c/c.ts';",
      "import './side-effect.ts';",
      "const { d } = await import('../d.ts');",
      "import { g } from '#lib/g.ts';",
      "import {\n  e,\n  f,\n} from 'node:fs';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual([
      '../a.ts',
      './b.ts',
      '../c/c.ts',
      './side-effect.ts',
      '../d.ts',
      '#lib/g.ts',
      'node:fs',
    ]);
  });

  it('resolves package.json `imports` aliases like Node does (the repository imports through them)', () => {
    const edges = readImportGraph(root);
    const viaAlias = edges.find(
      (e) => e.from === 'functions/ingest/handler.ts' && e.specifier.startsWith('#lib/'),
    );
    expect(viaAlias?.to).toBe(viaAlias?.specifier.replace('#lib/', 'lib/'));
    expect(
      edges.some((e) => e.specifier.startsWith('#contracts/') && e.to.startsWith('lib/contracts/')),
    ).toBe(true);
  });

  it('reads the repository: the ingest handler imports lib/', () => {
    const edges = readImportGraph(root);
    expect(edges.some((e) => e.from === 'functions/ingest/handler.ts' && e.to.startsWith('lib/'))).toBe(true);
  });
});

describe('the layer rules over a synthetic graph', () => {
  it('reports each upward import by file and specifier', () => {
    const violations = directionViolations([
      edge('lib/store/keys.ts', 'infra/table.ts'),
      edge('lib/contracts/names.ts', 'lib/events/catalog.ts'),
      edge('infra/queues.ts', 'lib/events/catalog.ts'),
      edge('scripts/bench/e2e.ts', 'test/fixtures/payloads.ts'),
      edge('infra/queues.ts', 'lib/contracts/names.ts'),
      edge('infra/local/stack.ts', 'lib/ingest/handle-webhook.ts'),
      edge('cli/main.ts', 'lib/store/write.ts'),
    ]);
    expect(violations).toEqual([
      "lib/ must not import infra/: lib/store/keys.ts imports './infra/table.ts' (infra/table.ts)",
      "lib/contracts/ imports only lib/contracts/: lib/contracts/names.ts imports './lib/events/catalog.ts' (lib/events/catalog.ts)",
      "infra/ (outside infra/local/) reads only lib/contracts/ from lib/: infra/queues.ts imports './lib/events/catalog.ts' (lib/events/catalog.ts)",
      "scripts/ must not import test/: scripts/bench/e2e.ts imports './test/fixtures/payloads.ts' (test/fixtures/payloads.ts)",
    ]);
  });

  it('reports a cycle between lib/ subfolders, and not a chain', () => {
    const chain = [
      edge('lib/a/x.ts', 'lib/b/y.ts'),
      edge('lib/b/y.ts', 'lib/c/z.ts'),
      edge('lib/a/w.ts', 'lib/a/x.ts'),
    ];
    expect(libCycles(chain)).toEqual([]);
    const cycles = libCycles([...chain, edge('lib/c/z.ts', 'lib/a/w.ts')]);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toContain('lib/a/ ↔ lib/b/ ↔ lib/c/');
    expect(cycles[0]).toContain('lib/c/z.ts imports');
  });
});

describe('the repository', () => {
  const edges = readImportGraph(root);

  it('has no upward import', () => {
    expect(directionViolations(edges)).toEqual([]);
  });

  it('has no cycle between lib/ subfolders', () => {
    expect(libCycles(edges)).toEqual([]);
  });
});
