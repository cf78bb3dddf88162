import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { EmulatorError, type FauxqsOptions, type RunningEmulator } from './emulators.ts';

/**
 * fauxqs in a worker thread of this process: the same emulator as `startSqsEmulator`, but its HTTP
 * server and queue bookkeeping run on their own event loop (and core), not on the one that hosts the
 * ingest, the pollers and the workers. A thread ends with the process, so nothing is left behind.
 */
export const startSqsEmulatorThread = async (options: FauxqsOptions = {}): Promise<RunningEmulator> => {
  const worker = new Worker(new URL('./fauxqs-thread-main.ts', import.meta.url), {
    workerData: {
      port: options.port ?? 0,
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    },
  });
  const exited = once(worker, 'exit');
  let port: number;
  try {
    const [ready] = (await Promise.race([
      once(worker, 'message'),
      exited.then(([code]) => {
        throw new EmulatorError(`fauxqs exited during start-up (code ${code})`);
      }),
    ])) as [{ port: number }];
    port = ready.port;
  } catch (error) {
    await worker.terminate();
    throw error instanceof EmulatorError
      ? error
      : new EmulatorError(`fauxqs did not start: ${String(error)}`);
  }
  // Later errors end the thread; the pollers and the ingest then report failed calls.
  worker.on('error', () => undefined);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => {
      stopped ??= (async () => {
        worker.postMessage('stop');
        const timer = setTimeout(() => void worker.terminate(), 3000);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
};
