import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDirectory, type LambdaSpec, lambdaSpecs } from '#infra/serverless/functions.ts';
import { buildFunctions, projectRoot } from './build.ts';

/**
 * `npm run package [-- <osls options>]`: builds every bundle, then runs `osls package`, offline and
 * without AWS credentials. Extra arguments go to osls (`-- --stage prod --region eu-west-1`).
 * The result is `.serverless/` (or `--package <dir>`): the CloudFormation template and one zip per
 * function holding only that function's bundle.
 */

const oslsBin = (): string =>
  join(dirname(createRequire(import.meta.url).resolve('osls/package.json')), 'bin', 'serverless.js');

export interface OslsResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs osls on this Node (the project's Node 24), from the project root, never touching AWS. */
export const runOsls = (args: string[], options: { inherit?: boolean } = {}): Promise<OslsResult> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [oslsBin(), ...args], {
      cwd: projectRoot,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      stdio: options.inherit === true ? 'inherit' : 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });

/** A stand-in bundle for a handler that is not written yet (config tests only, never deployed). */
const writePlaceholder = (spec: LambdaSpec): void => {
  const directory = join(projectRoot, bundleDirectory(spec));
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    join(directory, 'index.mjs'),
    `export const handler = async () => { throw new Error('placeholder: ${spec.entry} does not exist yet'); };\n`,
  );
  writeFileSync(join(directory, 'index.mjs.map'), '{"version":3,"sources":[],"mappings":""}\n');
};

export interface PackageRequest {
  /** Extra osls arguments (`--stage`, `--region`, `--param`). */
  args?: string[];
  /** Output directory (osls `--package`); default `.serverless/`. */
  outDir?: string;
  /** Config tests only: stub bundles for handlers that do not exist yet. */
  placeholdersForMissing?: boolean;
  /** Reuse the bundles already in dist/ (a second stage packaged right after a first). */
  skipBuild?: boolean;
  inherit?: boolean;
}

export interface PackageResult extends OslsResult {
  /** Functions packaged from a placeholder because their handler does not exist yet. */
  placeholders: LambdaSpec[];
}

export const packageService = async (request: PackageRequest = {}): Promise<PackageResult> => {
  const placeholders =
    request.placeholdersForMissing === true
      ? lambdaSpecs().filter((spec) => !existsSync(join(projectRoot, spec.entry)))
      : [];
  if (request.skipBuild !== true) {
    await buildFunctions({ allowMissing: request.placeholdersForMissing === true });
    for (const spec of placeholders) writePlaceholder(spec);
  }
  const outArgs = request.outDir === undefined ? [] : ['--package', request.outDir];
  const result = await runOsls(['package', ...outArgs, ...(request.args ?? [])], {
    inherit: request.inherit === true,
  });
  return { ...result, placeholders };
};

const main = async (): Promise<void> => {
  const started = performance.now();
  const result = await packageService({ args: process.argv.slice(2), inherit: true });
  if (result.code !== 0) process.exit(result.code);
  console.log(`packaged in ${((performance.now() - started) / 1000).toFixed(1)} s`);
};

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
