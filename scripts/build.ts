import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { bundleDirectory, type LambdaSpec, lambdaSpecs } from '#infra/serverless/functions.ts';

/**
 * `npm run build`: one minified ESM bundle per function (dist/<function>/index.mjs + source map),
 * for the Lambda runtime's Node major. The function list comes from infra/serverless/functions.ts,
 * i.e. from the event catalog, exactly as serverless.yml deploys it. The AWS SDK is bundled, not
 * taken from the runtime, so the versions we test are the versions we run.
 */

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Lets CommonJS dependencies `require()` Node built-ins from inside an ESM bundle. */
const requireShim =
  "import { createRequire as __mhCreateRequire } from 'node:module'; const require = __mhCreateRequire(import.meta.url);";

/** The one esbuild configuration: every function bundle, and the benchmark's floor bundle, use it. */
export const esbuildOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  keepNames: true,
  sourcemap: true,
  // Prefer the SDK's and Powertools' ESM builds: smaller after tree-shaking.
  mainFields: ['module', 'main'],
  banner: { js: requireShim },
  // Code behind a dynamic import() (e.g. the ingest's DynamoDB spillover client) goes to its own
  // chunk, loaded on first use instead of at cold start. Needs `outdir`, not `outfile`.
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
};

export interface BuiltBundle {
  spec: LambdaSpec;
  outfile: string;
  bytes: number;
}

export interface BuildRequest {
  specs?: LambdaSpec[];
  /** Skip (with a warning) functions whose handler file does not exist yet. */
  allowMissing?: boolean;
  /** Defaults to `<project>/dist`. */
  outRoot?: string;
}

const GENERATED = 'generated-entry';

/**
 * A spec's entry point: its file, or (workers) the entry generated from the catalog, served to
 * esbuild as a virtual module that resolves its imports from the project root.
 */
const entryOf = (spec: LambdaSpec): Pick<BuildOptions, 'entryPoints' | 'plugins'> => {
  const generated = spec.generatedEntry;
  if (generated === undefined) return { entryPoints: { index: join(projectRoot, spec.entry) } };
  return {
    entryPoints: { index: `${GENERATED}:${spec.bundle}` },
    plugins: [
      {
        name: GENERATED,
        setup: (plugin) => {
          plugin.onResolve({ filter: new RegExp(`^${GENERATED}:`) }, (args) => ({
            path: args.path,
            namespace: GENERATED,
          }));
          plugin.onLoad({ filter: /.*/, namespace: GENERATED }, () => ({
            contents: generated,
            loader: 'ts',
            resolveDir: projectRoot,
          }));
        },
      },
    ],
  };
};

export const buildFunctions = async (request: BuildRequest = {}): Promise<BuiltBundle[]> => {
  const specs = request.specs ?? lambdaSpecs();
  const missing = specs.filter((spec) => !existsSync(join(projectRoot, spec.entry)));
  if (missing.length > 0 && request.allowMissing !== true)
    throw new Error(`missing handler file(s): ${missing.map((spec) => spec.entry).join(', ')}`);
  for (const spec of missing) console.warn(`build: skipping ${spec.key}, ${spec.entry} does not exist yet`);
  const present = specs.filter((spec) => !missing.includes(spec));
  return Promise.all(
    present.map(async (spec) => {
      const directory =
        request.outRoot === undefined
          ? join(projectRoot, bundleDirectory(spec))
          : join(request.outRoot, spec.bundle);
      rmSync(directory, { recursive: true, force: true });
      mkdirSync(directory, { recursive: true });
      const outfile = join(directory, 'index.mjs');
      const result = await build({
        ...esbuildOptions,
        ...entryOf(spec),
        outdir: directory,
        metafile: true,
      });
      writeFileSync(join(directory, 'meta.json'), JSON.stringify(result.metafile));
      return { spec, outfile, bytes: statSync(outfile).size };
    }),
  );
};

const main = async (): Promise<void> => {
  const allowMissing = process.argv.includes('--allow-missing');
  const started = performance.now();
  const bundles = await buildFunctions({ allowMissing });
  for (const bundle of bundles)
    console.log(`${relative(projectRoot, bundle.outfile).padEnd(48)} ${(bundle.bytes / 1024).toFixed(0)} KB`);
  console.log(`built ${bundles.length} bundles in ${Math.round(performance.now() - started)} ms`);
};

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
