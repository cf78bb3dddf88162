import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ingestSpec } from '#infra/serverless/functions.ts';
import { buildFunctions, esbuildOptions, projectRoot } from '#scripts/build.ts';
import { median, quantile, round } from './stats.ts';

/**
 * Budget (a): cold init of the ingest bundle vs a floor bundle that only imports the SQS client.
 * Each sample is a fresh Node process importing one bundle, in the deployed environment shape
 * (NODE_OPTIONS=--enable-source-maps, env settings, secrets from the env instead of the extension);
 * ingest and floor alternate (ABBA) so drift hits both alike.
 */

export interface ColdStartResult {
  runsPerSide: number;
  ingestImportMedianMs: number;
  floorImportMedianMs: number;
  ingestImportP90Ms: number;
  floorImportP90Ms: number;
  /** Median of ingest/floor import times. */
  importRatio: number;
  /** Median of per-pair ratios (each pair measured back to back). */
  pairedRatioMedian: number;
  ingestProcessMedianMs: number;
  floorProcessMedianMs: number;
  /** All code shipped in the function's zip (entry + lazily loaded chunks), bytes. */
  ingestBytes: number;
  floorBytes: number;
  /** Entry + chunks it imports statically: what a cold start loads. */
  ingestColdLoadedBytes: number;
  floorColdLoadedBytes: number;
  ingestGzipBytes: number;
  floorGzipBytes: number;
  /** ingestBytes / floorBytes: the budgeted ratio. */
  sizeRatio: number;
  coldLoadedSizeRatio: number;
  /** Largest contributors to the ingest bundle, by bytes in the output. */
  ingestComposition: { module: string; bytes: number }[];
}

const probe = join(projectRoot, 'scripts/bench/import-probe.ts');

const benchEnvironment = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  NODE_OPTIONS: '--enable-source-maps',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  QUEUE_URL_PREFIX: 'https://sqs.us-east-1.amazonaws.com/123456789012/messagehub-webhooks-bench-',
  TABLE_NAME: 'messagehub-webhooks-bench',
  WEBHOOK_SECRETS: JSON.stringify({ bench: 'bench-secret-0123456789' }),
  POWERTOOLS_SERVICE_NAME: 'messagehub-webhooks-bench',
  POWERTOOLS_METRICS_NAMESPACE: 'MessageHubWebhooks',
  POWERTOOLS_LOG_LEVEL: 'INFO',
});

const runProbe = (bundle: string): Promise<{ importMs: number; processMs: number }> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [probe, bundle], {
      env: benchEnvironment(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const processMs = performance.now() - started;
      const line = stderr.split('\n').find((l) => l.startsWith('BENCH '));
      if (code !== 0 || line === undefined)
        return reject(new Error(`probe of ${bundle} failed (${code}): ${stderr}`));
      resolve({ importMs: (JSON.parse(line.slice(6)) as { importMs: number }).importMs, processMs });
    });
  });

interface Metafile {
  outputs: Record<
    string,
    {
      bytes: number;
      imports: { path: string; kind: string }[];
      inputs: Record<string, { bytesInOutput: number }>;
    }
  >;
}

const readMeta = (directory: string): Metafile =>
  JSON.parse(readFileSync(join(directory, 'meta.json'), 'utf8')) as Metafile;

/** Every .mjs file under a bundle directory: the code its zip ships. */
const shippedBytes = (directory: string): number =>
  (readdirSync(directory, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.mjs'))
    .reduce((sum, name) => sum + statSync(join(directory, name)).size, 0);

/** Bytes of the entry plus every chunk reachable through static imports (what a cold start loads). */
const coldLoadedBytes = (directory: string, meta: Metafile): number => {
  const key = (file: string): string => relative(projectRoot, resolve(directory, file));
  const outputs = new Map(
    Object.entries(meta.outputs).map(([path, output]) => [
      relative(projectRoot, resolve(projectRoot, path)),
      output,
    ]),
  );
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of outputs.get(path)?.imports ?? [])
      if (
        imported.kind === 'import-statement' &&
        outputs.has(relative(projectRoot, resolve(projectRoot, imported.path)))
      )
        visit(relative(projectRoot, resolve(projectRoot, imported.path)));
  };
  visit(key('index.mjs'));
  return [...seen].reduce((sum, path) => sum + (outputs.get(path)?.bytes ?? 0), 0);
};

/** Bytes in the cold-loaded output per package (or per project folder), largest first. */
const composition = (meta: Metafile): { module: string; bytes: number }[] => {
  const totals = new Map<string, number>();
  for (const [path, output] of Object.entries(meta.outputs)) {
    if (!path.endsWith('index.mjs')) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = match?.[1] ?? input.split('/').slice(0, 2).join('/');
      totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()]
    .map(([module, bytes]) => ({ module, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 12);
};

export const benchColdStart = async (options: {
  runs: number;
  outRoot: string;
}): Promise<ColdStartResult> => {
  mkdirSync(options.outRoot, { recursive: true });
  const [ingest] = await buildFunctions({ specs: [ingestSpec], outRoot: options.outRoot });
  if (ingest === undefined) throw new Error('ingest bundle was not built');
  const floorDirectory = join(options.outRoot, 'floor');
  mkdirSync(floorDirectory, { recursive: true });
  const floorBundle = join(floorDirectory, 'index.mjs');
  const floorBuild = await build({
    ...esbuildOptions,
    entryPoints: { index: join(projectRoot, 'scripts/bench/floor-entry.ts') },
    outdir: floorDirectory,
    metafile: true,
  });
  writeFileSync(join(floorDirectory, 'meta.json'), JSON.stringify(floorBuild.metafile));

  // Warm the OS file cache once for each, untimed.
  await runProbe(ingest.outfile);
  await runProbe(floorBundle);
  const ingestSamples: { importMs: number; processMs: number }[] = [];
  const floorSamples: { importMs: number; processMs: number }[] = [];
  const pairRatios: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const ingestFirst = run % 2 === 0;
    const first = await runProbe(ingestFirst ? ingest.outfile : floorBundle);
    const second = await runProbe(ingestFirst ? floorBundle : ingest.outfile);
    const [i, f] = ingestFirst ? [first, second] : [second, first];
    ingestSamples.push(i);
    floorSamples.push(f);
    pairRatios.push(i.importMs / f.importMs);
  }
  const imports = (samples: typeof ingestSamples) => samples.map((s) => s.importMs);
  const processes = (samples: typeof ingestSamples) => samples.map((s) => s.processMs);
  const ingestDirectory = dirname(ingest.outfile);
  const ingestMeta = readMeta(ingestDirectory);
  const floorMeta = readMeta(floorDirectory);
  const ingestBytes = shippedBytes(ingestDirectory);
  const floorBytes = shippedBytes(floorDirectory);
  const ingestCold = coldLoadedBytes(ingestDirectory, ingestMeta);
  const floorCold = coldLoadedBytes(floorDirectory, floorMeta);
  return {
    runsPerSide: options.runs,
    ingestImportMedianMs: round(median(imports(ingestSamples))),
    floorImportMedianMs: round(median(imports(floorSamples))),
    ingestImportP90Ms: round(quantile(imports(ingestSamples), 0.9)),
    floorImportP90Ms: round(quantile(imports(floorSamples), 0.9)),
    importRatio: round(median(imports(ingestSamples)) / median(imports(floorSamples)), 3),
    pairedRatioMedian: round(median(pairRatios), 3),
    ingestProcessMedianMs: round(median(processes(ingestSamples))),
    floorProcessMedianMs: round(median(processes(floorSamples))),
    ingestBytes,
    floorBytes,
    ingestColdLoadedBytes: ingestCold,
    floorColdLoadedBytes: floorCold,
    ingestGzipBytes: gzipSync(readFileSync(ingest.outfile)).length,
    floorGzipBytes: gzipSync(readFileSync(floorBundle)).length,
    sizeRatio: round(ingestBytes / floorBytes, 3),
    coldLoadedSizeRatio: round(ingestCold / floorCold, 3),
    ingestComposition: composition(ingestMeta),
  };
};
