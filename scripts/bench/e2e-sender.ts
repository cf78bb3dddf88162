import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The load generator of the end-to-end bench (scripts/bench/e2e.ts), in its own thread: it stands in
 * for Chatwoot, which does not share the pipeline's event loop. It POSTs pre-signed deliveries over
 * keep-alive connections, `concurrency` at a time, and reports how many were not answered 202.
 */
export interface SenderJob {
  url: string;
  concurrency: number;
  deliveries: { headers: Record<string, string>; body: string }[];
}

const job = workerData as SenderJob;
const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
const target = new URL(job.url);

const post = (delivery: SenderJob['deliveries'][number]): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        method: 'POST',
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: { ...delivery.headers, 'content-length': String(Buffer.byteLength(delivery.body)) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(delivery.body);
  });

let next = 0;
let non202 = 0;
await Promise.all(
  Array.from({ length: job.concurrency }, async () => {
    while (next < job.deliveries.length) {
      const delivery = job.deliveries[next++]!;
      let status = 0;
      try {
        status = await post(delivery);
      } catch {
        status = 0;
      }
      if (status !== 202) non202 += 1;
    }
  }),
);
agent.destroy();
const cpu = process.threadCpuUsage();
/** This thread's CPU seconds, so the bench can leave the sender out of the pipeline's CPU. */
parentPort?.postMessage({ non202, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
