import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { metricNames, quarantinedOutcome, workerMetricNames } from '#contracts/metrics.ts';
import { attributeNames, decodeEnvelope, type Envelope } from '#lib/events/envelope.ts';
import { infoLogsEnabled, logger, metrics } from '#lib/observability.ts';

/**
 * The batch skeleton every queue-fed worker shares: each SQS record is decoded and prepared on its
 * own, then run; a record that throws is reported in `batchItemFailures` (SQS redelivers it, and
 * after maxReceiveCount moves it to the DLQ) while its batch-mates commit.
 *
 * Records of one conversation (or contact) run one after another in arrival order; different
 * conversations run concurrently. The writes are guarded so order does not change the result, but
 * serialising a conversation's records avoids pointless conflicting writes.
 *
 * Why not Powertools' BatchProcessor: its parallel mode runs a conversation's records at once (the
 * in-order partial failure test/workers/dynamodb-stopped.test.ts checks would not hold), and its
 * sequential mode is one lane at a time: 264 vs 151 ms median per 10-record batch of 10
 * conversations with 8 ms added per DynamoDB call (`nice npx node test/workers/measure-lanes.ts`).
 */

export type Outcome = 'applied' | 'archived' | 'quarantined';

export interface RecordResult {
  outcome: Outcome;
  /** Capacity units DynamoDB reported for the writes that landed. */
  writeUnits: number;
  /** Writes that landed, and guarded writes that found newer state (billed on AWS all the same). */
  writesApplied: number;
  writesSuperseded: number;
  /** Quarantined because processing failed deterministically (not a schema misfit). */
  failed?: boolean;
}

/** Keys every log line about a record carries: ids, never contents. */
export interface LogKeys {
  correlation_id: string;
  event: string;
  source: string;
  account?: number;
  conversation?: number;
  contact?: number;
}

export interface PreparedRecord {
  /** Records with the same lane run sequentially. */
  lane: string;
  keys: LogKeys;
  /** Metric dimension: the event name for handled events, the route for the others. */
  metricEvent: string;
  run(): Promise<RecordResult>;
}

/** Turns a decoded envelope into a runnable record; throws for a record that can never succeed. */
export type RecordPreparer = (envelope: Envelope) => PreparedRecord;

export interface WorkerOptions {
  /** Lanes run at once. */
  concurrency?: number;
  now?: () => Date;
}

/** An error as a log field: name, message and stack (bounded), never the name alone. */
export const describeError = (error: unknown): { name: string; message: string; stack?: string } => {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error).slice(0, 2000) };
  const described: { name: string; message: string; stack?: string } = {
    name: error.name,
    message: error.message.slice(0, 2000),
  };
  if (error.stack !== undefined) described.stack = error.stack.slice(0, 4000);
  return described;
};

/** The metric the quarantine alarm sums (infra/serverless/observability.ts `customMetrics.webhooks`). */
const QUARANTINE_ALARM_METRIC = metricNames.webhooks;

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * A batch's metrics, summed per dimension set and flushed once when the batch ends: one EMF line per
 * dimension set instead of one `singleMetric()` per record and metric (each builds a Metrics
 * instance and a Console). Sums are what the dashboards and alarms read; latencies keep every value
 * (EMF takes a list). The flush uses the one shared instance synchronously (add, then publish), as
 * the ingest does, so nothing else can slip its metrics in between.
 */
class BatchMetrics {
  private readonly sets = new Map<
    string,
    { dimensions: Record<string, string>; metrics: Map<string, { unit: Unit; values: number[] }> }
  >();
  add(dimensions: Record<string, string>, name: string, unit: Unit, value: number, keepEach = false): void {
    const key = JSON.stringify(dimensions);
    let set = this.sets.get(key);
    if (set === undefined) {
      set = { dimensions, metrics: new Map() };
      this.sets.set(key, set);
    }
    const metric = set.metrics.get(name);
    if (metric === undefined) set.metrics.set(name, { unit, values: [value] });
    else if (keepEach) metric.values.push(value);
    else metric.values[0]! += value;
  }
  flush(): void {
    for (const set of this.sets.values()) {
      metrics.addDimensions(set.dimensions);
      for (const [name, metric] of set.metrics)
        for (const value of metric.values) metrics.addMetric(name, metric.unit, value);
      metrics.publishStoredMetrics();
    }
    this.sets.clear();
  }
}

const runLanes = async <T>(
  lanes: T[][],
  concurrency: number,
  run: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, lanes.length) }, async () => {
    while (next < lanes.length) {
      const lane = lanes[next++]!;
      for (const item of lane) await run(item);
    }
  });
  await Promise.all(workers);
};

export const sqsWorker =
  (prepare: RecordPreparer, options: WorkerOptions = {}) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const now = options.now ?? (() => new Date());
    const failures: string[] = [];
    const batchMetrics = new BatchMetrics();
    const emit = batchMetrics.add.bind(batchMetrics);
    const lanes = new Map<string, { record: SQSRecord; envelope: Envelope; prepared: PreparedRecord }[]>();
    for (const record of event.Records) {
      try {
        const envelope = decodeEnvelope(record.body, record.messageAttributes);
        const prepared = prepare(envelope);
        const lane = lanes.get(prepared.lane) ?? [];
        lane.push({ record, envelope, prepared });
        lanes.set(prepared.lane, lane);
      } catch (error) {
        // A record we cannot even decode: it fails alone and ends in the DLQ for an operator.
        const eventId = record.messageAttributes?.[attributeNames.eventId];
        logger.error('record rejected', {
          correlation_id: eventId?.stringValue ?? null,
          message_id: record.messageId,
          error: describeError(error),
        });
        emit({ event: 'unknown', outcome: 'rejected' }, workerMetricNames.records, MetricUnit.Count, 1);
        failures.push(record.messageId);
      }
    }
    await runLanes([...lanes.values()], options.concurrency ?? 4, async ({ record, envelope, prepared }) => {
      try {
        const result = await prepared.run();
        const latency = now().getTime() - Date.parse(envelope.receivedAt);
        if (infoLogsEnabled)
          logger.info('record stored', {
            ...prepared.keys,
            outcome: result.outcome,
            write_units: result.writeUnits,
          });
        emit(
          { event: prepared.metricEvent, outcome: result.outcome },
          workerMetricNames.records,
          MetricUnit.Count,
          1,
        );
        emit(
          { event: prepared.metricEvent },
          workerMetricNames.writeUnits,
          MetricUnit.Count,
          result.writeUnits,
        );
        // A misfit only the full schema catches (the ingest checks keys only): count it where the
        // quarantine alarm looks (`Webhooks`, outcome quarantined; infra/serverless/observability.ts).
        if (result.outcome === 'quarantined' && prepared.metricEvent !== 'quarantine')
          emit(
            { event: prepared.metricEvent, outcome: quarantinedOutcome },
            QUARANTINE_ALARM_METRIC,
            MetricUnit.Count,
            1,
          );
        if (result.failed === true)
          emit({ event: prepared.metricEvent }, workerMetricNames.failureQuarantines, MetricUnit.Count, 1);
        if (Number.isFinite(latency))
          emit(
            { event: prepared.metricEvent },
            workerMetricNames.endToEndLatency,
            MetricUnit.Milliseconds,
            latency,
            true,
          );
      } catch (error) {
        logger.error('record failed, will be retried', { ...prepared.keys, error: describeError(error) });
        emit(
          { event: prepared.metricEvent, outcome: 'failed' },
          workerMetricNames.records,
          MetricUnit.Count,
          1,
        );
        failures.push(record.messageId);
      }
    });
    batchMetrics.flush();
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
