import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  chatwootJson,
  contactPayload,
  conversationPayload,
  messagePayload,
  story,
} from '../../fixtures/payloads.ts';
import { provisionTable } from '../../infra/local/provision.ts';
import { startLocalStack } from '../../infra/local/stack.ts';
import { type HandledEventName, routeOfEvent } from '../../lib/events/catalog.ts';
import { deliveryHeader, signedHeaders } from '../../lib/signing.ts';
import { listMessages } from '../../lib/store/message.ts';
import { getRawEvent } from '../../lib/store/raw-event.ts';
import type { SenderJob } from './e2e-sender.ts';
import { round } from './stats.ts';

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
 */

export interface EndToEndResult {
  /** Events per pipeline run. */
  events: number;
  /** Measured pipeline runs; raw runs are one more (before, between and after them). */
  rounds: number;
  warmRuns: number;
  /** HTTP senders at once. */
  concurrency: number;
  pollerConcurrency: number;
  mix: Record<string, number>;
  /** W: write requests (items) the workers sent for one run's events (first measured run). */
  pipelineWrites: number;
  writesPerRun: number[];
  writesPerEvent: number;
  /** Read requests the workers sent during the measured runs (the write plan needs none). */
  pipelineReads: number;
  writesByCommand: Record<string, number>;
  /** Peak and time-averaged DynamoDB requests the workers had in flight during the measured runs. */
  workerPeakConcurrency: number;
  workerMeanConcurrency: number;
  /** Per run, when the last POST was answered (s from the first POST). */
  sentSeconds: number[];
  /** First measured run: when each route's events were all processed (s from the first POST). */
  drainedSecondsByRoute: Record<string, number>;
  /** First measured run: the pollers' SQS requests by action (plus empty receives). */
  pollerRequests: Record<string, number>;
  /** Mean serialised size of a worker write request (bytes); the raw items are padded to it. */
  meanWriteRequestBytes: number;
  /** Writes per raw run (W of the warm-up run) and how many at once (the workers' peak there). */
  rawWrites: number;
  rawConcurrency: number;
  rawWritesPerSecond: number;
  rawRuns: number[];
  rawSeconds: number[];
  /** The warm-up run's own write requests replayed directly (no pipeline), same client and concurrency. */
  replayWritesPerSecond: number;
  /** All measured runs: Σ writes / Σ time from the first POST until the last event was processed. */
  pipelineWritesPerSecond: number;
  pipelineEventsPerSecond: number;
  pipelineRuns: number[];
  pipelineSeconds: number[];
  /** The budget: pipeline write rate / mean raw write rate, for the same number of writes. */
  ratio: number;
  non202: number;
  lost: number;
  duplicatedMessages: number;
  missingMessages: number;
  workerRecordsSucceeded: number;
  workerRecordsFailed: number;
  itemsWrittenPerEvent: number | null;
  /**
   * CPU milliseconds per write: this Node process (without the sender thread), its main thread
   * (ingest, pollers, workers; fauxqs has its own thread), and the DynamoDB Local JVM. Context.
   */
  cpuMsPerWrite: {
    pipeline: { node: number; main: number; java: number };
    raw: { node: number; main: number; java: number };
    replay: { node: number; main: number; java: number };
  };
}

const perWrite = (cpu: { node: number; main: number; java: number }, writes: number) => ({
  node: round((cpu.node * 1000) / writes, 3),
  main: round((cpu.main * 1000) / writes, 3),
  java: round((cpu.java * 1000) / writes, 3),
});

/** Counts the workers' DynamoDB requests and their concurrency while `on`. */
class WriteMeter {
  on = false;
  writes = 0;
  reads = 0;
  byCommand: Record<string, number> = {};
  writeBytes = 0;
  writeRequests = 0;
  inFlight = 0;
  peak = 0;
  /** While set, every write request's command name and input, in the order sent. */
  captured: { command: string; input: Record<string, unknown> }[] | undefined;
  private area = 0;
  private since = 0;
  private startedAt = 0;
  private tick(): void {
    const now = performance.now();
    this.area += this.inFlight * (now - this.since);
    this.since = now;
  }
  start(): void {
    Object.assign(this, { on: true, writes: 0, reads: 0, byCommand: {}, writeBytes: 0, writeRequests: 0 });
    this.peak = this.inFlight;
    this.area = 0;
    this.since = this.startedAt = performance.now();
  }
  /** Time-averaged requests in flight since start(). */
  mean(): number {
    this.tick();
    const elapsed = performance.now() - this.startedAt;
    return elapsed > 0 ? this.area / elapsed : 0;
  }
  enter(): void {
    this.tick();
    this.inFlight += 1;
    if (this.on && this.inFlight > this.peak) this.peak = this.inFlight;
  }
  leave(): void {
    this.tick();
    this.inFlight -= 1;
  }
}

/** CPU seconds (user + system) this process and the DynamoDB Local JVM have used so far. */
const cpuSeconds = (javaPid: number | undefined): { node: number; main: number; java: number } => {
  const own = process.cpuUsage();
  const main = process.threadCpuUsage();
  let java = Number.NaN;
  try {
    // /proc/<pid>/stat fields 14 and 15 (after the `(comm)`): utime, stime in clock ticks (100 Hz).
    const stat = readFileSync(`/proc/${javaPid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    java = (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    // not Linux, or no pid: context only
  }
  return { node: (own.user + own.system) / 1e6, main: (main.user + main.system) / 1e6, java };
};

const writeItems = (command: string, input: Record<string, unknown>): number => {
  if (command === 'PutItemCommand' || command === 'UpdateItemCommand' || command === 'DeleteItemCommand')
    return 1;
  if (command === 'BatchWriteItemCommand')
    return Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).reduce(
      (sum, items) => sum + items.length,
      0,
    );
  if (command === 'TransactWriteItemsCommand') return ((input.TransactItems ?? []) as unknown[]).length;
  return 0;
};

/** Installs the meter on the workers' client (once per process: the client is a module singleton). */
const meterFor = (client: DynamoDBClient): WriteMeter => {
  const meter = new WriteMeter();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '?';
      const counting = meter.on;
      if (counting) {
        const items = writeItems(command, args.input as Record<string, unknown>);
        if (items > 0) {
          meter.captured?.push({ command, input: args.input as Record<string, unknown> });
          meter.writes += items;
          meter.writeRequests += 1;
          const body = (args.request as { body?: unknown } | undefined)?.body;
          if (typeof body === 'string') meter.writeBytes += Buffer.byteLength(body);
          else if (body instanceof Uint8Array) meter.writeBytes += body.byteLength;
        } else if (/^(Get|BatchGet|Query|Scan|TransactGet)/.test(command)) meter.reads += 1;
        meter.byCommand[command] = (meter.byCommand[command] ?? 0) + Math.max(1, items);
      }
      meter.enter();
      try {
        return await next(args);
      } finally {
        meter.leave();
      }
    },
    { step: 'finalizeRequest', name: 'benchWriteMeter', priority: 'high' },
  );
  return meter;
};

const secret = 'bench-e2e-secret-0123456789';

const runConcurrently = async (
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        await task(index);
      }
    }),
  );
};

interface Delivery {
  event: string;
  eventId: string;
  body: string;
  messageId?: number;
}

let runs = 0;
/** A realistic mix: mostly new messages (each a new fact), plus contact and conversation updates. */
const deliveries = (count: number, runId: string): Delivery[] => {
  // Each run has its own message ids, so a run's messages cannot hide behind an earlier run's.
  const firstMessageId = 500_000 + 100_000 * runs++;
  return Array.from({ length: count }, (_, index) => {
    const eventId = `${runId}-${String(index).padStart(6, '0')}`;
    const at = story.t0 + 10 + index;
    const kind = index % 10;
    if (kind < 7) {
      const messageId = firstMessageId + index;
      return {
        event: 'message_created',
        eventId,
        messageId,
        body: chatwootJson(messagePayload({ id: messageId, at, content: `bench message ${index}` })),
      };
    }
    if (kind < 9)
      return {
        event: 'contact_updated',
        eventId,
        body: chatwootJson(contactPayload({ event: 'contact_updated' })),
      };
    return {
      event: 'conversation_updated',
      eventId,
      body: chatwootJson(conversationPayload({ event: 'conversation_updated', at })),
    };
  });
};

export const benchEndToEnd = async (options: {
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
}): Promise<EndToEndResult> => {
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
    const { dynamodb, tableName } = stack;
    // The workers' own client (the stack imported the handlers, so it points at this DynamoDB Local).
    const { dynamoDbClient: workerClient } = await import('../../functions/shared/dynamodb-client.ts');
    const meter = meterFor(workerClient);
    // The pollers' SQS requests (the local stand-in for Lambda's event source mapping).
    const pollerRequests: Record<string, number> = {};
    stack.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (meter.on) {
          const name = (context.commandName ?? '?').replace(/Command$/, '');
          pollerRequests[name] = (pollerRequests[name] ?? 0) + 1;
          const messages = (result.output as { Messages?: unknown[] }).Messages;
          if (name === 'ReceiveMessage' && (messages?.length ?? 0) === 0)
            pollerRequests.emptyReceives = (pollerRequests.emptyReceives ?? 0) + 1;
        }
        return result;
      },
      { step: 'initialize', name: 'benchPollerRequests' },
    );

    /** One raw write: a plain PutItem of `bytes` request bytes through the workers' client. */
    const putRaw = (prefix: string, bytes: number) => {
      const empty = JSON.stringify({
        TableName: tableName,
        Item: { pk: { S: `BENCH#${prefix}#000000` }, sk: { S: 'RAW' }, data: { S: '' } },
      }).length;
      const data = 'x'.repeat(Math.max(1, bytes - empty));
      return (index: number) =>
        workerClient
          .send(
            new PutItemCommand({
              TableName: tableName,
              Item: {
                pk: { S: `BENCH#${prefix}#${String(index).padStart(6, '0')}` },
                sk: { S: 'RAW' },
                data: { S: data },
              },
            }),
          )
          .then(() => undefined);
    };
    const rawRun = async (prefix: string, writes: number, concurrency: number, bytes: number) => {
      const cpuBefore = cpuSeconds(stack.dynamoPid);
      const started = performance.now();
      await runConcurrently(writes, concurrency, putRaw(prefix, bytes));
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = cpuSeconds(stack.dynamoPid);
      return {
        seconds,
        rate: writes / seconds,
        cpu: {
          node: cpuAfter.node - cpuBefore.node,
          main: cpuAfter.main - cpuBefore.main,
          java: cpuAfter.java - cpuBefore.java,
        },
      };
    };
    const countItems = async (): Promise<number> => {
      const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
      let total = 0;
      let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
      do {
        const page = await dynamodb.send(
          new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: startKey }),
        );
        total += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return total;
    };
    /** POSTs the deliveries from another thread (the sender is not part of the pipeline). */
    const sendAll = (batch: Delivery[]): Promise<{ non202: number; cpuSeconds: number }> => {
      // Signed up front: that is the sender's work, not the pipeline's.
      const job: SenderJob = {
        url: `${stack.endpoint}/webhooks/bench`,
        concurrency: options.concurrency,
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
        const sender = new Worker(new URL('./e2e-sender.ts', import.meta.url), { workerData: job });
        sender.once('message', resolve);
        sender.once('error', reject);
        sender.once('exit', (code) => {
          if (code !== 0) reject(new Error(`the sender thread exited with ${code}`));
        });
      });
    };
    const succeeded = (): number =>
      Object.values(stack.pollerStats()).reduce((sum, stats) => sum + stats.succeeded, 0);
    const failed = (): number =>
      Object.values(stack.pollerStats()).reduce((sum, stats) => sum + stats.failed, 0);

    /** Sends every delivery and waits until the workers have processed them. */
    const pipelineRun = async (batch: Delivery[]) => {
      const baseline = succeeded();
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
      const sent = await sendAll(batch);
      const non202 = sent.non202;
      const sentSeconds = (performance.now() - started) / 1000;
      const deadline = Date.now() + 300_000;
      while (succeeded() - baseline < batch.length - non202 && Date.now() < deadline)
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
        processed: succeeded() - baseline,
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

    // Warm-up, untimed (JIT of DynamoDB Local, the handlers and fauxqs): raw writes, then full-size
    // pipeline runs of the same mix (DynamoDB Local keeps getting faster at the pipeline's
    // conditional puts and updates over the first few thousand), then raw runs of the same size.
    // The last pipeline warm-up says how many writes the workers send for such a batch (the plan is
    // a pure function of the payloads), how many at once, and how big.
    await runConcurrently(300, options.concurrency, putRaw('warm', 400));
    for (let index = 1; index < options.warmRuns; index++)
      await pipelineRun(deliveries(options.events, `warm${index}`));
    meter.start();
    meter.captured = [];
    await pipelineRun(deliveries(options.events, `warm${options.warmRuns}`));
    meter.on = false;
    const capturedWrites = meter.captured;
    meter.captured = undefined;
    const writes = meter.writes;
    const rawConcurrency = Math.max(1, meter.peak);
    const rawBytes = Math.round(meter.writeBytes / Math.max(1, meter.writeRequests));
    for (let index = 0; index < 2; index++) await rawRun(`rawwarm${index}`, writes, rawConcurrency, rawBytes);

    // Measured, alternating: raw, pipeline, raw, pipeline, …, raw.
    const runId = `bench${Date.now().toString(36)}`;
    const raws: Awaited<ReturnType<typeof rawRun>>[] = [];
    const pipelines: (Awaited<ReturnType<typeof pipelineRun>> & {
      batch: Delivery[];
      writes: number;
      reads: number;
      byCommand: Record<string, number>;
      peak: number;
      requests: Record<string, number>;
    })[] = [];
    let itemsGrowth = 0;
    for (let pass = 0; pass < options.rounds; pass++) {
      raws.push(await rawRun(`raw${pass}`, writes, rawConcurrency, rawBytes));
      const batch = deliveries(options.events, `${runId}r${pass}`);
      const itemsBefore = pass === 0 ? await countItems() : 0;
      for (const name of Object.keys(pollerRequests)) delete pollerRequests[name];
      meter.start();
      const run = await pipelineRun(batch);
      // Writes still in flight when the last record was counted belong to the run: stop after idle.
      meter.on = false;
      if (pass === 0) itemsGrowth = (await countItems()) - itemsBefore;
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
    raws.push(await rawRun(`raw${options.rounds}`, writes, rawConcurrency, rawBytes));

    // The same writes without the pipeline: the warm-up run's write requests, replayed in order
    // through the same client at the same concurrency into an empty table of the same shape. This
    // splits the ratio into what the write plan costs DynamoDB Local (replay vs plain puts) and
    // what the pipeline adds (pipeline vs replay).
    const replayTable = `${tableName}-replay`;
    await provisionTable(workerClient, replayTable);
    const replayCpuBefore = cpuSeconds(stack.dynamoPid);
    const replayStarted = performance.now();
    await runConcurrently(capturedWrites.length, rawConcurrency, async (index) => {
      const { command, input } = capturedWrites[index]!;
      const replayInput = { ...input, TableName: replayTable };
      try {
        if (command === 'UpdateItemCommand')
          await workerClient.send(new UpdateItemCommand(replayInput as UpdateItemCommandInput));
        else if (command === 'DeleteItemCommand')
          await workerClient.send(new DeleteItemCommand(replayInput as DeleteItemCommandInput));
        else await workerClient.send(new PutItemCommand(replayInput as PutItemCommandInput));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
    const replaySeconds = (performance.now() - replayStarted) / 1000;
    const replayCpuAfter = cpuSeconds(stack.dynamoPid);
    const replay = {
      rate: capturedWrites.length / replaySeconds,
      cpu: {
        node: replayCpuAfter.node - replayCpuBefore.node,
        main: replayCpuAfter.main - replayCpuBefore.main,
        java: replayCpuAfter.java - replayCpuBefore.java,
      },
    };

    const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
    const rawWritesPerSecond = sum(raws.map((run) => run.rate)) / raws.length;
    const pipelineWrites = sum(pipelines.map((run) => run.writes));
    const pipelineSeconds = sum(pipelines.map((run) => run.seconds));
    const pipelineEvents = sum(pipelines.map((run) => run.batch.length));
    const pipelineWritesPerSecond = pipelineWrites / pipelineSeconds;
    const first = pipelines[0]!;

    // Where the time goes: a CPU profile of this process over one more (untimed) run of the same
    // size, so that the sampling profiler does not slow the measured ones.
    if (options.profileDir !== undefined) {
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      await pipelineRun(deliveries(options.events, `${runId}p`));
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(options.profileDir, { recursive: true });
      writeFileSync(join(options.profileDir, 'pipeline.cpuprofile'), JSON.stringify(profile));
      session.disconnect();
    }

    // Count every event of the measured runs back.
    const store = { dynamodb, tableName };
    const measured = pipelines.flatMap((run) => run.batch);
    let lost = 0;
    await runConcurrently(measured.length, options.concurrency, async (index) => {
      if ((await getRawEvent(store, { eventId: measured[index]!.eventId })) === null) lost++;
    });
    const sentMessageIds = new Set(measured.flatMap((d) => (d.messageId === undefined ? [] : [d.messageId])));
    const stored = (
      await listMessages(store, { accountId: story.accountId, conversationId: story.conversationId })
    )
      .map((message) => (message as unknown as { id: number }).id)
      .filter((id) => sentMessageIds.has(id));
    const storedSet = new Set(stored);
    const mix: Record<string, number> = {};
    for (const delivery of first.batch) mix[delivery.event] = (mix[delivery.event] ?? 0) + 1;
    const cpuOf = (runs: { cpu: { node: number; main: number; java: number } }[]) => ({
      node: sum(runs.map((run) => run.cpu.node)),
      main: sum(runs.map((run) => run.cpu.main)),
      java: sum(runs.map((run) => run.cpu.java)),
    });
    return {
      events: first.batch.length,
      rounds: options.rounds,
      warmRuns: options.warmRuns,
      concurrency: options.concurrency,
      pollerConcurrency: options.pollerConcurrency,
      mix,
      pipelineWrites: first.writes,
      writesPerRun: pipelines.map((run) => run.writes),
      writesPerEvent: round(first.writes / first.batch.length, 2),
      pipelineReads: sum(pipelines.map((run) => run.reads)),
      writesByCommand: first.byCommand,
      workerPeakConcurrency: Math.max(...pipelines.map((run) => run.peak)),
      workerMeanConcurrency: round(sum(pipelines.map((run) => run.meanConcurrency)) / pipelines.length, 1),
      sentSeconds: pipelines.map((run) => round(run.sentSeconds, 2)),
      drainedSecondsByRoute: first.drainedAt,
      pollerRequests: first.requests,
      meanWriteRequestBytes: rawBytes,
      rawWrites: writes,
      rawConcurrency,
      rawWritesPerSecond: round(rawWritesPerSecond, 1),
      replayWritesPerSecond: round(replay.rate, 1),
      rawRuns: raws.map((run) => round(run.rate, 1)),
      pipelineWritesPerSecond: round(pipelineWritesPerSecond, 1),
      pipelineEventsPerSecond: round(pipelineEvents / pipelineSeconds, 1),
      pipelineRuns: pipelines.map((run) => round(run.writes / run.seconds, 1)),
      ratio: round(pipelineWritesPerSecond / rawWritesPerSecond, 3),
      pipelineSeconds: pipelines.map((run) => round(run.seconds, 2)),
      rawSeconds: raws.map((run) => round(run.seconds, 2)),
      non202: sum(pipelines.map((run) => run.non202)),
      lost,
      duplicatedMessages: stored.length - storedSet.size,
      missingMessages: [...sentMessageIds].filter((id) => !storedSet.has(id)).length,
      workerRecordsSucceeded: sum(pipelines.map((run) => run.processed)),
      workerRecordsFailed: failed(),
      itemsWrittenPerEvent: round(itemsGrowth / first.batch.length, 2),
      cpuMsPerWrite: {
        pipeline: perWrite(cpuOf(pipelines), pipelineWrites),
        raw: perWrite(cpuOf(raws), writes * raws.length),
        replay: perWrite(replay.cpu, capturedWrites.length),
      },
    };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
