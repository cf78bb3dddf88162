import { parentPort, workerData } from 'node:worker_threads';
import { startFauxqs } from 'fauxqs';

/**
 * Body of the fauxqs thread (infra/local/fauxqs-thread.ts): starts the emulator, reports its port,
 * and stops it when the parent says so.
 */
const options = workerData as { port: number; dataDir?: string };
const server = await startFauxqs({
  port: options.port,
  logger: false,
  host: 'localhost',
  ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
});
parentPort?.once('message', async () => {
  await server.stop();
  parentPort?.close();
});
parentPort?.postMessage({ port: server.port });
