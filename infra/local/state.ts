import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalSource } from './sources.ts';

/**
 * What a running local stack tells the `mhub` CLI and other tools: one file per stack,
 * `<data dir>/stacks/<port>.json` (endpoints, region, credentials, table, queue prefix, sources
 * with their secrets). Written at start, removed at stop by the stack that wrote it, never by
 * another. Mode 0600: it holds the sources' secrets.
 *
 * A stack that keeps data also holds `<data dir>/data.lock`, so a second persistent stack on the
 * same folder refuses to start instead of sharing DynamoDB Local's and fauxqs's files with it.
 */

/** The repository root: `.data/` lives here whatever the working directory. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm start` keeps its data; `MHUB_DATA_DIR` moves it (tests, several checkouts). */
export const defaultDataDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.MHUB_DATA_DIR !== undefined && env.MHUB_DATA_DIR !== '' ? env.MHUB_DATA_DIR : join(repoRoot, '.data');

export const stacksDir = (dataDir: string): string => join(dataDir, 'stacks');
export const stackFile = (dataDir: string, port: number): string => join(stacksDir(dataDir), `${port}.json`);
export const dataLockFile = (dataDir: string): string => join(dataDir, 'data.lock');

export interface StackState {
  pid: number;
  startedAt: string;
  port: number;
  /** `http://127.0.0.1:3000`. */
  endpoint: string;
  region: string;
  /** What the emulators accept; any other tool can use them (DynamoDB Local splits data by key and region). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stage: string;
  tableName: string;
  queueUrlPrefix: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  inMemory: boolean;
  /** The data folder (its DynamoDB Local and fauxqs files are used only when `inMemory` is false). */
  dataDir: string;
  sources: LocalSource[];
  /** Routes with no worker handler (their queues are not polled). */
  unpolledRoutes?: string[];
}

export const writeStackState = (dataDir: string, state: StackState): void => {
  mkdirSync(stacksDir(dataDir), { recursive: true });
  const file = stackFile(dataDir, state.port);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
};

const readJson = <T>(file: string): T | undefined => {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
};

/** Removes this stack's state file, only if this process wrote it. */
export const removeStackState = (dataDir: string, port: number, pid: number = process.pid): void => {
  const file = stackFile(dataDir, port);
  if (readJson<StackState>(file)?.pid === pid) rmSync(file, { force: true });
};

/** True when a process with this pid exists (signal 0 only checks). */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Every stack whose state file is in this data folder and whose process is alive, by port. */
export const liveStacks = (dataDir: string): StackState[] => {
  const dir = stacksDir(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d+\.json$/.test(name))
    .map((name) => readJson<StackState>(join(dir, name)))
    .filter((state): state is StackState => state !== undefined && processAlive(state.pid))
    .sort((a, b) => a.port - b.port);
};

/** The live stack on `port`, else the only live one; undefined when none (or several and no port). */
export const readStackState = (dataDir: string, port?: number): StackState | undefined => {
  const live = liveStacks(dataDir);
  if (port !== undefined) return live.find((state) => state.port === port);
  return live.length === 1 ? live[0] : undefined;
};

export interface DataLock {
  pid: number;
  port: number;
}

export class DataFolderInUseError extends Error {
  override name = 'DataFolderInUseError';
}

/**
 * Takes the data folder for a persistent stack, or throws DataFolderInUseError naming the stack
 * that holds it. A lock left by a dead process is taken over.
 */
export const acquireDataLock = (dataDir: string, port: number): void => {
  mkdirSync(dataDir, { recursive: true });
  const file = dataLockFile(dataDir);
  const body = `${JSON.stringify({ pid: process.pid, port } satisfies DataLock)}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readJson<DataLock>(file);
    if (holder !== undefined && holder.pid !== process.pid && processAlive(holder.pid))
      throw new DataFolderInUseError(
        `the data folder ${dataDir} is used by the stack on port ${holder.port} (pid ${holder.pid}): stop it, or start this one with --in-memory or MHUB_DATA_DIR=<another folder>`,
      );
    rmSync(file, { force: true }); // stale: its process is gone
  }
  throw new DataFolderInUseError(
    `could not lock the data folder ${dataDir}: another stack is starting there`,
  );
};

export const releaseDataLock = (dataDir: string, pid: number = process.pid): void => {
  const file = dataLockFile(dataDir);
  if (readJson<DataLock>(file)?.pid === pid) rmSync(file, { force: true });
};
