import { round } from '#scripts/bench/stats.ts';
import { type CpuSeconds, perWrite } from './cpu.ts';
import type { Delivery } from './deliveries.ts';
import type { PipelineRun } from './pipeline-run.ts';
import type { RawRun } from './raw-writes.ts';

/** What the end-to-end bench reports, and how it is computed from the runs. */

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

/** A measured pipeline run with what the meter saw during it. */
export interface MeasuredRun extends PipelineRun {
  batch: Delivery[];
  writes: number;
  reads: number;
  byCommand: Record<string, number>;
  peak: number;
  requests: Record<string, number>;
}

export interface Measurements {
  options: {
    events: number;
    rounds: number;
    warmRuns: number;
    concurrency: number;
    pollerConcurrency: number;
  };
  raws: RawRun[];
  pipelines: MeasuredRun[];
  replay: { rate: number; cpu: CpuSeconds };
  replayedWrites: number;
  /** W, C and the mean request size of the warm-up run that sized the raw runs. */
  rawWrites: number;
  rawConcurrency: number;
  rawBytes: number;
  itemsGrowth: number;
  counted: { lost: number; duplicatedMessages: number; missingMessages: number };
  workerRecordsFailed: number;
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);

const cpuOf = (runs: { cpu: CpuSeconds }[]): CpuSeconds => ({
  node: sum(runs.map((run) => run.cpu.node)),
  main: sum(runs.map((run) => run.cpu.main)),
  java: sum(runs.map((run) => run.cpu.java)),
});

/** The figures the report prints, from the runs. */
export const summarize = (m: Measurements): EndToEndResult => {
  const { raws, pipelines, replay } = m;
  const rawWritesPerSecond = sum(raws.map((run) => run.rate)) / raws.length;
  const pipelineWrites = sum(pipelines.map((run) => run.writes));
  const pipelineSeconds = sum(pipelines.map((run) => run.seconds));
  const pipelineEvents = sum(pipelines.map((run) => run.batch.length));
  const pipelineWritesPerSecond = pipelineWrites / pipelineSeconds;
  const first = pipelines[0]!;
  const mix: Record<string, number> = {};
  for (const delivery of first.batch) mix[delivery.event] = (mix[delivery.event] ?? 0) + 1;
  return {
    events: first.batch.length,
    rounds: m.options.rounds,
    warmRuns: m.options.warmRuns,
    concurrency: m.options.concurrency,
    pollerConcurrency: m.options.pollerConcurrency,
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
    meanWriteRequestBytes: m.rawBytes,
    rawWrites: m.rawWrites,
    rawConcurrency: m.rawConcurrency,
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
    ...m.counted,
    workerRecordsSucceeded: sum(pipelines.map((run) => run.processed)),
    workerRecordsFailed: m.workerRecordsFailed,
    itemsWrittenPerEvent: round(m.itemsGrowth / first.batch.length, 2),
    cpuMsPerWrite: {
      pipeline: perWrite(cpuOf(pipelines), pipelineWrites),
      raw: perWrite(cpuOf(raws), m.rawWrites * raws.length),
      replay: perWrite(replay.cpu, m.replayedWrites),
    },
  };
};
