import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { localDynamoDbClient, localSqsClient } from '#infra/local/clients.ts';
import type { ProvisionedQueue } from '#infra/local/provision.ts';
import type { LocalSource } from '#infra/local/sources.ts';
import type { LocalStackOptions } from '#infra/local/stack.ts';
import { repoRoot } from '#infra/local/state.ts';

/**
 * The stack under test as its own process (scripts/proof/lib/stack-main.ts → startLocalStack), so
 * a suite can SIGKILL it, restart it on the same data, and measure its RSS apart from the driver's.
 */

export interface ReadyInfo {
  pid: number;
  endpoint: string;
  dynamoPid: number | undefined;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  tableName: string;
  queueUrlPrefix: string;
  queues: ProvisionedQueue[];
  sources: LocalSource[];
}

export interface ChildStack extends ReadyInfo {
  child: ChildProcess;
  /** Direct wire clients on the emulators (not through any fault proxy). */
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  exited: Promise<number | null>;
  /** Last lines the stack wrote to stderr (for failure reports). */
  stderrTail(): string;
  /** SIGTERM and wait for the exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
  /** SIGKILL the stack process (its JVM dies with it: pdeathsig) and wait for the exit. */
  kill(): Promise<void>;
}

export interface ChildStackOptions extends Omit<LocalStackOptions, 'log' | 'quiet' | 'secrets'> {
  secrets: Record<string, unknown>;
  startTimeoutMs?: number;
}

const entry = join(repoRoot, 'scripts/proof/lib/stack-main.ts');

/** Stack processes still running: killed if the driver exits without stopping them. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts the stack process; a start-up that times out (DynamoDB Local's JVM has 30 s to answer,
 * which a machine loaded by other work can miss) is tried again, up to three times in all.
 */
export const startChildStack = async (options: ChildStackOptions): Promise<ChildStack> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const message = (error as Error).message;
      if (attempt >= 3 || !/did not answer|did not start/.test(message)) throw error;
      process.stderr.write(`stack start-up attempt ${attempt} timed out; trying again\n`);
    }
  }
};

const startOnce = async (options: ChildStackOptions): Promise<ChildStack> => {
  const { startTimeoutMs = 90_000, ...stackOptions } = options;
  const child = spawn(process.execPath, [entry], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PROOF_STACK_OPTIONS: JSON.stringify({ writeStateFile: true, ...stackOptions }),
      POWERTOOLS_LOG_LEVEL: process.env.PROOF_STACK_LOG_LEVEL ?? 'SILENT',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<ReadyInfo>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the stack did not start within ${startTimeoutMs} ms: ${stderr.slice(-500)}`));
    }, startTimeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('PROOF_READY '));
      if (line !== undefined && stdout.includes('\n', stdout.indexOf('PROOF_READY '))) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice('PROOF_READY '.length)) as ReadyInfo);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the stack exited during start-up (code ${code}): ${stderr.slice(-800)}`));
    });
  });
  const waitExit = async (ms: number): Promise<boolean> =>
    Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  return {
    ...ready,
    child,
    dynamodb: localDynamoDbClient(ready.dynamoEndpoint),
    sqs: localSqsClient(ready.sqsEndpoint),
    exited,
    stderrTail: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await waitExit(20_000))) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
      // The JVM gets SIGKILL from the kernel (pdeathsig); wait until its pid is gone.
      const deadline = Date.now() + 10_000;
      while (ready.dynamoPid !== undefined && pidAlive(ready.dynamoPid) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
};

export const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resident and peak-resident set of a process, MiB, from /proc (Linux); NaN elsewhere. */
export const memoryOf = (pid: number | undefined): { rssMb: number; peakMb: number } => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) / 1024 : Number.NaN;
    };
    return { rssMb: field('VmRSS'), peakMb: field('VmHWM') };
  } catch {
    return { rssMb: Number.NaN, peakMb: Number.NaN };
  }
};

/** Samples RSS of the stack (node) and its JVM every `everyMs`, keeping the peaks. */
export const rssSampler = (
  pids: () => { node: number | undefined; java: number | undefined },
  everyMs = 250,
) => {
  const peak = { nodeMb: 0, javaMb: 0, nodeSamples: [] as number[] };
  const sample = (): void => {
    const { node, java } = pids();
    const n = memoryOf(node);
    const j = memoryOf(java);
    if (Number.isFinite(n.rssMb)) peak.nodeSamples.push(n.rssMb);
    peak.nodeMb = Math.max(peak.nodeMb, Number.isFinite(n.peakMb) ? n.peakMb : 0, n.rssMb || 0);
    peak.javaMb = Math.max(peak.javaMb, Number.isFinite(j.peakMb) ? j.peakMb : 0, j.rssMb || 0);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    peak,
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
};
