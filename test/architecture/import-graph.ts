import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/**
 * The repository's TypeScript import graph, read from the source text (static `import`/`export … from`
 * and dynamic `import('…')` with a literal path), and the layer rules checked over it. Plain functions
 * over plain data, so the rules can be fed a synthetic graph and shown to fail.
 */

/** One import: the importing file and what it resolves to, both repo-relative with `/` separators. */
export interface ImportEdge {
  from: string;
  to: string;
  /** The specifier as written, for the failure message. */
  specifier: string;
}

const importPattern =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Specifiers in one file's text (comments are not stripped: a commented-out import still counts). */
export const importSpecifiers = (source: string): string[] =>
  [...source.matchAll(importPattern)].map((match) => (match[1] ?? match[2]) as string);

const sourceFolders = ['fixtures', 'lib', 'cli', 'infra', 'functions', 'scripts', 'test', 'bin'];

const walk = (root: string, folder: string): string[] =>
  readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(root, path);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });

/**
 * package.json `imports` patterns (`#lib/*` → `./lib/*`), resolved the way Node resolves a subpath
 * import with one `*` (https://nodejs.org/api/packages.html#subpath-imports).
 */
const aliasResolver = (root: string): ((specifier: string) => string | undefined) => {
  const imports = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).imports ?? {}) as Record<
    string,
    string
  >;
  const patterns = Object.entries(imports).map(([key, target]) => ({
    prefix: key.slice(0, key.indexOf('*')),
    target: posix.normalize(target),
  }));
  return (specifier) => {
    const pattern = patterns.find(({ prefix }) => specifier.startsWith(prefix));
    return pattern?.target.replace('*', specifier.slice(pattern.prefix.length));
  };
};

/** Relative and `#` alias imports: `node:` built-ins and packages are outside every layer rule. */
export const readImportGraph = (root: string): ImportEdge[] => {
  const resolveAlias = aliasResolver(root);
  return sourceFolders.flatMap((folder) =>
    walk(root, folder).flatMap((file) =>
      importSpecifiers(readFileSync(join(root, file), 'utf8')).flatMap((specifier) => {
        const to = specifier.startsWith('.')
          ? relative(root, join(root, dirname(file), specifier))
              .split('\\')
              .join('/')
          : specifier.startsWith('#')
            ? resolveAlias(specifier)
            : undefined;
        return to === undefined ? [] : [{ from: file, to, specifier }];
      }),
    ),
  );
};

const under = (path: string, folder: string): boolean => path.startsWith(`${folder}/`);

/** The layer a `lib/` file belongs to: its first subfolder, or the file itself when it sits in lib/. */
export const libUnit = (path: string): string => {
  const [, second, third] = path.split('/');
  return third === undefined ? `lib/${second}` : `lib/${second}/`;
};

const describeEdge = (edge: ImportEdge): string => `${edge.from} imports '${edge.specifier}' (${edge.to})`;

/** Direction rules: each violation names the file and the import. */
export const directionViolations = (edges: ImportEdge[]): string[] =>
  edges.flatMap((edge) => {
    const { from, to } = edge;
    if (under(from, 'lib')) {
      const edgeFolder = ['infra', 'functions', 'cli', 'scripts', 'test'].find((folder) => under(to, folder));
      if (edgeFolder !== undefined) return [`lib/ must not import ${edgeFolder}/: ${describeEdge(edge)}`];
      if (under(from, 'lib/contracts') && !under(to, 'lib/contracts'))
        return [`lib/contracts/ imports only lib/contracts/: ${describeEdge(edge)}`];
    }
    if (
      under(from, 'infra') &&
      !under(from, 'infra/local') &&
      under(to, 'lib') &&
      !under(to, 'lib/contracts')
    )
      return [`infra/ (outside infra/local/) reads only lib/contracts/ from lib/: ${describeEdge(edge)}`];
    // One named exception: `npm start -- --chatwoot-double` serves the test suite's Chatwoot API double
    // (issue 12 puts it in test/) so a newcomer can try `mhub backfill`; loaded only with the flag.
    const servesTheDouble = from === 'scripts/start.ts' && under(to, 'test/doubles');
    if (under(from, 'scripts') && under(to, 'test') && !servesTheDouble)
      return [`scripts/ must not import test/: ${describeEdge(edge)}`];
    return [];
  });

/**
 * Cycles between lib/ units (subfolders, or files sitting directly in lib/): strongly connected
 * components of the unit graph (Tarjan), each reported with the file imports that close it.
 */
export const libCycles = (edges: ImportEdge[]): string[] => {
  const unitEdges = edges
    .filter((edge) => under(edge.from, 'lib') && under(edge.to, 'lib'))
    .map((edge) => ({ ...edge, fromUnit: libUnit(edge.from), toUnit: libUnit(edge.to) }))
    .filter((edge) => edge.fromUnit !== edge.toUnit);
  const next = new Map<string, Set<string>>();
  for (const edge of unitEdges) {
    if (!next.has(edge.fromUnit)) next.set(edge.fromUnit, new Set());
    next.get(edge.fromUnit)?.add(edge.toUnit);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (unit: string): void => {
    index.set(unit, index.size);
    low.set(unit, index.get(unit) as number);
    stack.push(unit);
    onStack.add(unit);
    for (const target of next.get(unit) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(unit, Math.min(low.get(unit) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(unit, Math.min(low.get(unit) as number, index.get(target) as number));
      }
    }
    if (low.get(unit) === index.get(unit)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== unit);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const unit of [...next.keys()].sort()) if (!index.has(unit)) visit(unit);
  return components.map((component) => {
    const inside = unitEdges
      .filter((edge) => component.includes(edge.fromUnit) && component.includes(edge.toUnit))
      .map((edge) => `  ${describeEdge(edge)}`);
    return `import cycle between ${component.join(' ↔ ')}:\n${inside.join('\n')}`;
  });
};
