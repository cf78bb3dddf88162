import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalSource } from './sources.ts';

/**
 * `.data/stack.json`: what a running local stack tells the `mhub` CLI (endpoints, table, queue
 * prefix, sources with their secrets). Written at start, removed at stop. Mode 0600: it holds
 * the sources' secrets.
 */

/** The repository root: `.data/` lives here whatever the working directory. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm start` keeps its data; `MHUB_DATA_DIR` moves it (tests, several checkouts). */
export const defaultDataDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.MHUB_DATA_DIR !== undefined && env.MHUB_DATA_DIR !== '' ? env.MHUB_DATA_DIR : join(repoRoot, '.data');

export const stackFile = (dataDir: string): string => join(dataDir, 'stack.json');

export interface StackState {
  pid: number;
  startedAt: string;
  /** `http://127.0.0.1:3000`. */
  endpoint: string;
  region: string;
  stage: string;
  tableName: string;
  queueUrlPrefix: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  inMemory: boolean;
  sources: LocalSource[];
}

export const writeStackState = (dataDir: string, state: StackState): void => {
  mkdirSync(dataDir, { recursive: true });
  const file = stackFile(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
};

/** Removes the state file if this process wrote it (a newer stack may have replaced it). */
export const removeStackState = (dataDir: string, pid: number = process.pid): void => {
  const state = readStackState(dataDir);
  if (state?.pid === pid) rmSync(stackFile(dataDir), { force: true });
};

export const readStackState = (dataDir: string): StackState | undefined => {
  const file = stackFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
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
