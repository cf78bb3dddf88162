import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions, projectRoot } from '#scripts/build.ts';
import { summariseProfile } from './profile.ts';
import { median, round } from './stats.ts';

/**
 * Budget (b): ingest CPU per event in-process vs the floor (JSON.parse + the same SendMessageCommand).
 * The probe is bundled like a function and run in a fresh process, twice: `core` (WARN logs, no
 * per-request metric: exactly verify + parse + validate + build the send) and `deployed` (INFO logs
 * and the EMF metric line, stdout to /dev/null) for context.
 */

interface ProbeOutput {
  payloads: number;
  payloadBytes: number[];
  largeBytes: number;
  typical: { ingestUs: number[]; floorUs: number[] };
  hmacUs: number[];
  large: { ingestUs: number[]; floorUs: number[] };
  sent: number;
}

export interface CpuSideBySide {
  ingestUsPerEvent: number;
  floorUsPerEvent: number;
  /** Median over blocks of ingest/floor, each block pair measured back to back. */
  ratio: number;
}

export interface CpuResult {
  blocks: number;
  payloads: number;
  payloadBytesMedian: number;
  core: CpuSideBySide;
  deployed: CpuSideBySide;
  /** HMAC-SHA256 of the same bodies alone (µs/event), and as a share of the floor. */
  hmacUsPerEvent: number;
  hmacShareOfFloor: number;
  largeBytes: number;
  largeCore: CpuSideBySide;
  /** Where the ingest's core time goes (self time under handleWebhook, by module), unbundled source. */
  ingestProfile: { module: string; ms: number; share: number }[];
  /** The same time, by the function handleWebhook called directly (its whole subtree). */
  ingestProfileByCallee: { module: string; ms: number; share: number }[];
}

const summarise = (side: { ingestUs: number[]; floorUs: number[] }): CpuSideBySide => ({
  ingestUsPerEvent: round(median(side.ingestUs)),
  floorUsPerEvent: round(median(side.floorUs)),
  ratio: round(median(side.ingestUs.map((value, index) => value / side.floorUs[index]!)), 3),
});

const runProbe = (
  bundle: string,
  resultFile: string,
  blocks: number,
  mode: 'core' | 'deployed',
  nodeArgs: string[] = [],
) =>
  new Promise<ProbeOutput>((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_SERVICE_NAME: 'messagehub-webhooks-bench',
      POWERTOOLS_METRICS_NAMESPACE: 'MessageHubWebhooks',
      ...(mode === 'core'
        ? { POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' }
        : { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' }),
    };
    const child = spawn(process.execPath, [...nodeArgs, bundle, resultFile, String(blocks), mode], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`cpu probe (${mode}) failed (${code}): ${stderr}`));
      resolve(JSON.parse(readFileSync(resultFile, 'utf8')) as ProbeOutput);
    });
  });

export const benchCpu = async (options: { blocks: number; outRoot: string }): Promise<CpuResult> => {
  const directory = join(options.outRoot, 'cpu-probe');
  mkdirSync(directory, { recursive: true });
  await build({
    ...esbuildOptions,
    entryPoints: { index: join(projectRoot, 'scripts/bench/cpu-probe.ts') },
    outdir: directory,
  });
  const bundle = join(directory, 'index.mjs');
  const core = await runProbe(bundle, join(directory, 'core.json'), options.blocks, 'core');
  const deployed = await runProbe(bundle, join(directory, 'deployed.json'), options.blocks, 'deployed');
  // Profile the unbundled source (readable names) on a shorter run.
  const profileDirectory = join(directory, 'profile');
  rmSync(profileDirectory, { recursive: true, force: true });
  await runProbe(
    join(projectRoot, 'scripts/bench/cpu-probe.ts'),
    join(directory, 'profiled.json'),
    6,
    'core',
    ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`],
  );
  const profile = summariseProfile(profileDirectory, 'handleWebhook');
  return {
    blocks: options.blocks,
    payloads: core.payloads,
    payloadBytesMedian: median(core.payloadBytes),
    core: summarise(core.typical),
    deployed: summarise(deployed.typical),
    hmacUsPerEvent: round(median(core.hmacUs)),
    hmacShareOfFloor: round(median(core.hmacUs) / median(core.typical.floorUs), 3),
    largeBytes: core.largeBytes,
    largeCore: summarise(core.large),
    ingestProfile: profile.byModule.map((entry) => ({
      module: entry.module,
      ms: round(entry.ms, 1),
      share: round(entry.share, 3),
    })),
    ingestProfileByCallee: profile.byCallee.map((entry) => ({
      module: entry.module,
      ms: round(entry.ms, 1),
      share: round(entry.share, 3),
    })),
  };
};
