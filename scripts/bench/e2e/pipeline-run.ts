import { Worker } from 'node:worker_threads';
import { type HandledEventName, routeOfEvent } from '#contracts/routes.ts';
import { deliveryHeader, signedHeaders } from '#lib/signing.ts';
import type { SenderJob } from '#scripts/bench/e2e-sender.ts';
import { round } from '#scripts/bench/stats.ts';
import type { BenchContext } from './context.ts';
import { type CpuSeconds, cpuSeconds } from './cpu.ts';
import type { Delivery } from './deliveries.ts';

/** One pipeline run: POST every delivery (from another thread), wait until the workers processed them. */

export interface PipelineRun {
  seconds: number;
  non202: number;
  processed: number;
  meanConcurrency: number;
  sentSeconds: number;
  /** When each route's events were all processed (s from the first POST). */
  drainedAt: Record<string, number>;
  cpu: CpuSeconds;
}

/** POSTs the deliveries from another thread (the sender is not part of the pipeline). */
const sendAll = (
  { stack, concurrency, secret }: BenchContext,
  batch: Delivery[],
): Promise<{ non202: number; cpuSeconds: number }> => {
  // Signed up front: that is the sender's work, not the pipeline's.
  const job: SenderJob = {
    url: `${stack.endpoint}/webhooks/bench`,
    concurrency,
    deliveries: batch.map((delivery) => ({
      headers: {
        ...signedHeaders(secret, delivery.body),
        [deliveryHeader]: delivery.eventId,
        'user-agent': 'Ruby',
        'content-type': 'application/json',
      },
      body: delivery.body,
    })),
  };
  return new Promise((resolve, reject) => {
    const sender = new Worker(new URL('../e2e-sender.ts', import.meta.url), { workerData: job });
    sender.once('message', resolve);
    sender.once('error', reject);
    sender.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the sender thread exited with ${code}`));
    });
  });
};

export const succeededRecords = ({ stack }: BenchContext): number =>
  Object.values(stack.pollerStats()).reduce((sum, stats) => sum + stats.succeeded, 0);

export const failedRecords = ({ stack }: BenchContext): number =>
  Object.values(stack.pollerStats()).reduce((sum, stats) => sum + stats.failed, 0);

export const pipelineRun = async (context: BenchContext, batch: Delivery[]): Promise<PipelineRun> => {
  const { stack, meter } = context;
  const baseline = succeededRecords(context);
  const routeBaseline = stack.pollerStats();
  const expected: Record<string, number> = {};
  for (const delivery of batch) {
    const route = routeOfEvent(delivery.event as HandledEventName);
    expected[route] = (expected[route] ?? 0) + 1;
  }
  // When each route's events were all processed: which queue the run waited for.
  const drainedAt: Record<string, number> = {};
  const checkDrained = (): void => {
    const stats = stack.pollerStats();
    for (const [route, count] of Object.entries(expected))
      if (
        drainedAt[route] === undefined &&
        (stats[route]?.succeeded ?? 0) - (routeBaseline[route]?.succeeded ?? 0) >= count
      )
        drainedAt[route] = round((performance.now() - started) / 1000, 2);
  };
  const cpuBefore = cpuSeconds(stack.dynamoPid);
  const started = performance.now();
  const monitor = setInterval(checkDrained, 20);
  const sent = await sendAll(context, batch);
  const non202 = sent.non202;
  const sentSeconds = (performance.now() - started) / 1000;
  const deadline = Date.now() + 300_000;
  while (succeededRecords(context) - baseline < batch.length - non202 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(monitor);
  checkDrained();
  const cpuAfter = cpuSeconds(stack.dynamoPid);
  const meanConcurrency = meter.mean();
  await stack.waitForIdle({ timeoutMs: 120_000 });
  return {
    seconds,
    non202,
    processed: succeededRecords(context) - baseline,
    meanConcurrency,
    sentSeconds,
    drainedAt,
    // The sender thread's CPU is the stand-in for Chatwoot's, not the pipeline's.
    cpu: {
      node: cpuAfter.node - cpuBefore.node - sent.cpuSeconds,
      main: cpuAfter.main - cpuBefore.main,
      java: cpuAfter.java - cpuBefore.java,
    },
  };
};
