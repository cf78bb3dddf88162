import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '#infra/local/stack.ts';
import type { BenchContext } from './e2e/context.ts';
import { countBack, countItems } from './e2e/count-back.ts';
import { deliveries, runConcurrently } from './e2e/deliveries.ts';
import { countPollerRequests, meterFor } from './e2e/meter.ts';
import { failedRecords, pipelineRun } from './e2e/pipeline-run.ts';
import { profileRun } from './e2e/profile-run.ts';
import { putRaw, type RawRun, rawRun } from './e2e/raw-writes.ts';
import { replayWrites } from './e2e/replay.ts';
import { type EndToEndResult, type MeasuredRun, summarize } from './e2e/result.ts';

export type { EndToEndResult } from './e2e/result.ts';

/**
 * Budget (c): end-to-end throughput of the local stack (H5's `startLocalStack`, the very stack
 * `npm start` runs): signed HTTP deliveries → real ingest handler → fauxqs → pollers → real worker
 * handlers → DynamoDB Local, against the raw write rate of the same DynamoDB Local for the same
 * number of writes, measured in the same run.
 *
 * "For the same number of writes": a middleware on the workers' own DynamoDB client
 * (functions/shared/dynamodb-client.ts) counts every write request the workers send for the timed
 * events (W; PutItem/UpdateItem/DeleteItem count 1, BatchWriteItem/TransactWriteItems count their
 * items) and the peak number of requests they had in flight at once (C). The raw baseline sends W
 * plain PutItem calls of the workers' mean request size through that same client, C at a time,
 * once before and once after the pipeline run, averaged. The budget ratio is the pipeline's write
 * rate (W / time from the first POST until the last event was processed) over the raw write rate;
 * events/s is reported as context. Then every event is counted back: each event id has its raw
 * archive record (none lost) and the conversation holds exactly the messages sent (none duplicated).
 *
 * The steps, in order, each in its own module under e2e/: start the stack and meter the workers'
 * client (meter.ts), warm up, measure raw (raw-writes.ts) and pipeline runs (pipeline-run.ts) in
 * turn, replay the captured writes (replay.ts), optionally profile one more run (profile-run.ts),
 * count every event back (count-back.ts), summarise (result.ts).
 */

export interface EndToEndOptions {
  events: number;
  concurrency: number;
  /** Concurrent batches per queue; Lambda's SQS event source mapping starts with 5 and scales up. */
  pollerConcurrency: number;
  /** Measured pipeline runs (each between two raw runs). */
  rounds: number;
  /** Untimed pipeline runs of the same size first. */
  warmRuns: number;
  /** Write a CPU profile of this process over one more pipeline run (not a measured one). */
  profileDir?: string;
}

const secret = 'bench-e2e-secret-0123456789';

/**
 * Warm-up, untimed (JIT of DynamoDB Local, the handlers and fauxqs): raw writes, then full-size
 * pipeline runs of the same mix (DynamoDB Local keeps getting faster at the pipeline's conditional
 * puts and updates over the first few thousand), then raw runs of the same size. The last pipeline
 * warm-up says how many writes the workers send for such a batch (the plan is a pure function of
 * the payloads), how many at once, and how big; its write requests are kept for the replay.
 */
const warmUp = async (context: BenchContext, options: EndToEndOptions) => {
  const { meter } = context;
  await runConcurrently(300, options.concurrency, putRaw(context, 'warm', 400));
  for (let index = 1; index < options.warmRuns; index++)
    await pipelineRun(context, deliveries(options.events, `warm${index}`));
  meter.start();
  meter.captured = [];
  await pipelineRun(context, deliveries(options.events, `warm${options.warmRuns}`));
  meter.on = false;
  const captured = meter.captured;
  meter.captured = undefined;
  const sizing = {
    writes: meter.writes,
    concurrency: Math.max(1, meter.peak),
    bytes: Math.round(meter.writeBytes / Math.max(1, meter.writeRequests)),
  };
  for (let index = 0; index < 2; index++)
    await rawRun(context, `rawwarm${index}`, sizing.writes, sizing.concurrency, sizing.bytes);
  return { captured, sizing };
};

/** Measured, alternating: raw, pipeline, raw, pipeline, …, raw. */
const measure = async (
  context: BenchContext,
  options: EndToEndOptions,
  sizing: { writes: number; concurrency: number; bytes: number },
  pollerRequests: Record<string, number>,
  runId: string,
) => {
  const { meter } = context;
  const raw = (name: string) => rawRun(context, name, sizing.writes, sizing.concurrency, sizing.bytes);
  const raws: RawRun[] = [];
  const pipelines: MeasuredRun[] = [];
  let itemsGrowth = 0;
  for (let pass = 0; pass < options.rounds; pass++) {
    raws.push(await raw(`raw${pass}`));
    const batch = deliveries(options.events, `${runId}r${pass}`);
    const itemsBefore = pass === 0 ? await countItems(context) : 0;
    for (const name of Object.keys(pollerRequests)) delete pollerRequests[name];
    meter.start();
    const run = await pipelineRun(context, batch);
    // Writes still in flight when the last record was counted belong to the run: stop after idle.
    meter.on = false;
    if (pass === 0) itemsGrowth = (await countItems(context)) - itemsBefore;
    pipelines.push({
      ...run,
      batch,
      writes: meter.writes,
      reads: meter.reads,
      byCommand: { ...meter.byCommand },
      peak: meter.peak,
      requests: { ...pollerRequests },
    });
  }
  raws.push(await raw(`raw${options.rounds}`));
  return { raws, pipelines, itemsGrowth };
};

export const benchEndToEnd = async (options: EndToEndOptions): Promise<EndToEndResult> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mhub-bench-'));
  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    quiet: true,
    dataDir,
    secrets: { bench: secret },
    writeStateFile: false,
    pollerConcurrency: options.pollerConcurrency,
    sweepIntervalMs: 60_000,
  });
  try {
    // The workers' own client (the stack imported the handlers, so it points at this DynamoDB Local).
    const { dynamoDbClient: workerClient } = await import('#functions/shared/dynamodb-client.ts');
    const meter = meterFor(workerClient);
    const context: BenchContext = { stack, workerClient, meter, concurrency: options.concurrency, secret };
    // The pollers' SQS requests (the local stand-in for Lambda's event source mapping).
    const pollerRequests = countPollerRequests(stack.sqs, meter);

    const { captured, sizing } = await warmUp(context, options);
    const runId = `bench${Date.now().toString(36)}`;
    const { raws, pipelines, itemsGrowth } = await measure(context, options, sizing, pollerRequests, runId);
    const replay = await replayWrites(context, captured, sizing.concurrency);
    if (options.profileDir !== undefined)
      await profileRun(options.profileDir, () =>
        pipelineRun(context, deliveries(options.events, `${runId}p`)),
      );
    const counted = await countBack(
      context,
      pipelines.flatMap((run) => run.batch),
    );
    return summarize({
      options,
      raws,
      pipelines,
      replay,
      replayedWrites: captured.length,
      rawWrites: sizing.writes,
      rawConcurrency: sizing.concurrency,
      rawBytes: sizing.bytes,
      itemsGrowth,
      counted,
      workerRecordsFailed: failedRecords(context),
    });
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
