import { defaultSettings, serverlessConfig } from '#infra/serverless.ts';
import { round } from './stats.ts';
import type { WriteUnitsResult } from './write-units.ts';

/**
 * What the deployed system costs on AWS, per million webhooks on the bench mix and per idle month,
 * from measured figures (write units and body sizes: write-units.ts) and from the generated
 * CloudFormation resources (alarms, dashboards, queues, functions: infra/serverless.ts), never from
 * counts typed by hand. Assumptions that no local run can measure (Lambda billed duration, batch
 * fill, log bytes, X-Ray sampling) are named in `assumptions` and printed with the figures.
 *
 * us-east-1 list prices, read 2026-12-02 (no free tier, no Savings Plans), from:
 * - DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request
 *   units (aws.amazon.com/dynamodb/pricing; the post-Nov-2024 on-demand prices, as quoted e.g. by
 *   airbyte.com/data-engineering-resources/dynamodb-pricing).
 * - Lambda arm64 (serverless.yml `architecture: arm64`): $0.20 per million requests,
 *   $0.0000133334 per GB-second (aws.amazon.com/lambda/pricing, first tier).
 * - API Gateway HTTP API: $1.00 per million requests (first 300 million; each 512 KB is one request).
 * - SQS standard: $0.40 per million requests, each 64 KB of payload one request
 *   (aws.amazon.com/sqs/pricing; factualminds.com and cloudburn.io 2026 summaries agree).
 * - CloudWatch (aws.amazon.com/cloudwatch/pricing, as tabulated in api-evangelist/cloudwatch
 *   plans/cloudwatch-plans-pricing.yml): $0.10 per standard alarm metric-month, $3 per dashboard-month,
 *   $0.30 per custom metric-month (first 10,000), $0.50 per GB of logs ingested.
 * - X-Ray: $5.00 per million traces recorded (aws.amazon.com/xray/pricing).
 * - Hookdeck: no published per-event price could be read from here (hookdeck.com/docs/platform/billing
 *   describes plans and throughput caps, not a rate); it is left out of the arithmetic, not guessed.
 */
export const prices = {
  readAt: '2026-12-02',
  region: 'us-east-1',
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaArmGbSecond: 0.0000133334,
  httpApiRequest: 1.0 / 1e6,
  sqsRequest: 0.4 / 1e6,
  alarmMetricMonth: 0.1,
  dashboardMonth: 3,
  customMetricMonth: 0.3,
  logsIngestedGb: 0.5,
  xrayTrace: 5 / 1e6,
} as const;

/**
 * Lambda memory: the ingest is configured at 1024 MB and the workers at 512 MB (infra/serverless.ts,
 * infra/queues.ts). Measured, the ingest spends 25-60 us of CPU per webhook (bench (b)) against ~10 ms
 * waiting on SQS, so its billed duration barely depends on the CPU share memory buys: at 512 MB the
 * ingest line below halves (-$0.10 per million). Not changed here (infra/serverless.ts is not this
 * module's); the cold start, which does scale with the CPU share, is what to check before lowering it.
 */
export const assumptions = {
  /** Ingest billed ms per webhook: verify + parse + one SQS SendMessage round trip (~10 ms in-region). */
  ingestBilledMs: 15,
  /** Worker billed ms per batch: its DynamoDB writes go out concurrently, ~10 ms a round trip. */
  workerBilledMsPerBatch: 25,
  /** Records per worker batch at steady, modest rates (batch size 10, 1 s window). */
  recordsPerBatch: 2,
  /** Log bytes per webhook: ingest access log + EMF (~0.7 KB), worker line + batch EMF (~0.5 KB), Lambda START/END/REPORT (~0.3 KB per invocation). */
  logBytesPerWebhook: 1_600,
  /** HTTP API access log line per request (infra/serverless/http-api.ts fields). */
  accessLogBytesPerWebhook: 350,
  /** Share of requests X-Ray records at volume (default rule: 1/s reservoir + 5%). */
  xraySampledShare: 0.05,
  /** Lambda SQS event source mapping: pollers long-polling (20 s) an idle queue. */
  idlePollersPerQueue: 5,
  longPollSeconds: 20,
  /** Spillover sweeper run (every minute): billed ms, and read units of its one query. */
  sweeperBilledMs: 100,
  sweeperReadUnitsPerRun: 0.5,
} as const;

export interface CostComponent {
  name: string;
  usd: number;
  basis: string;
}

export interface CostResult {
  prices: typeof prices;
  assumptions: typeof assumptions;
  perMillionUsd: number;
  idleMonthlyUsd: number;
  /** Custom metrics billed while traffic flows (every dimension set published in the month). */
  customMetricsUnderTrafficMonthlyUsd: number;
  targets: { perMillionUsd: number; idleMonthlyUsd: number };
  pass: { perMillion: boolean; idle: boolean };
  components: { perMillion: CostComponent[]; idleMonthly: CostComponent[] };
  alternatives: { name: string; perMillionUsd: number | null; note: string }[];
  counts: {
    alarms: number;
    alarmMetrics: number;
    dashboards: number;
    queuesWithPollers: number;
    functions: number;
    ingestMemoryMb: number;
    workerMemoryMb: number;
  };
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is free-form.
type Cfn = any;

/** Alarm metrics as CloudWatch bills them: one per MetricStat in a metric-math alarm, one per plain or Metrics Insights alarm (at idle an insights query matches at most one series). */
const alarmMetricsOf = (alarm: Cfn): number => {
  const metrics = alarm.Properties.Metrics as Cfn[] | undefined;
  if (metrics === undefined) return 1;
  const stats = metrics.filter((metric) => metric.MetricStat !== undefined).length;
  return stats > 0 ? stats : 1;
};

const SECONDS_PER_MONTH = 30 * 86_400;

export const costModel = (writeUnits: WriteUnitsResult): CostResult => {
  const config = serverlessConfig(defaultSettings('prod')) as Cfn;
  const resources = Object.values(config.resources.Resources) as Cfn[];
  const alarms = resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  const dashboards = resources.filter((r) => r.Type === 'AWS::CloudWatch::Dashboard').length;
  const functions = Object.values(config.functions) as Cfn[];
  const workers = functions.filter((f) => (f.events ?? []).some((e: Cfn) => e.sqs !== undefined));
  const ingest = functions.find((f) => String(f.name).endsWith('-ingest'));
  const sweeper = functions.find((f) => String(f.name).endsWith('-spillover-sweeper'));
  const ingestGb = (ingest?.memorySize ?? 1024) / 1024;
  const workerGb = (workers[0]?.memorySize ?? 512) / 1024;
  const sweeperGb = (sweeper?.memorySize ?? 512) / 1024;
  const alarmMetrics = alarms.reduce((sum, alarm) => sum + alarmMetricsOf(alarm), 0);
  const a = assumptions;
  const million = 1e6;
  const sqsChunks = Math.max(1, Math.ceil(writeUnits.meanBodyBytes / 65_536));
  const batchesPerMillion = million / a.recordsPerBatch;

  const perMillion: CostComponent[] = [
    {
      name: 'API Gateway HTTP API',
      usd: million * prices.httpApiRequest,
      basis: '1 request per webhook',
    },
    {
      name: 'Lambda ingest',
      usd: million * (prices.lambdaRequest + ingestGb * (a.ingestBilledMs / 1000) * prices.lambdaArmGbSecond),
      basis: `${ingest?.memorySize ?? 1024} MB × ${a.ingestBilledMs} ms + request`,
    },
    {
      name: 'SQS send + receive + delete',
      usd: (million * sqsChunks + 2 * batchesPerMillion) * prices.sqsRequest,
      basis: `send ${sqsChunks} × 64 KB chunk (mean body ${writeUnits.meanBodyBytes} B); one receive and one delete batch per ${a.recordsPerBatch} records`,
    },
    {
      name: 'Lambda workers',
      usd:
        batchesPerMillion *
        (prices.lambdaRequest + workerGb * (a.workerBilledMsPerBatch / 1000) * prices.lambdaArmGbSecond),
      basis: `${workers[0]?.memorySize ?? 512} MB × ${a.workerBilledMsPerBatch} ms per batch of ${a.recordsPerBatch}`,
    },
    {
      name: 'DynamoDB writes',
      usd: million * writeUnits.meanPerEvent * prices.dynamoWriteUnit,
      basis: `measured mean ${writeUnits.meanPerEvent} write units per webhook on the mix (failed conditions included at AWS price)`,
    },
    {
      name: 'CloudWatch Logs',
      usd:
        ((million * (a.logBytesPerWebhook + a.accessLogBytesPerWebhook)) / 1024 ** 3) * prices.logsIngestedGb,
      basis: `${a.logBytesPerWebhook} B function logs + ${a.accessLogBytesPerWebhook} B access log per webhook`,
    },
    {
      name: 'X-Ray (tracing on)',
      usd: million * a.xraySampledShare * prices.xrayTrace,
      basis: `${a.xraySampledShare * 100}% of requests traced at volume (the 1/s reservoir adds up to 2.6 M traces a month at ≥ 1 req/s)`,
    },
  ].map((c) => ({ ...c, usd: round(c.usd, 3) }));

  const idleReceives = workers.length * a.idlePollersPerQueue * (SECONDS_PER_MONTH / a.longPollSeconds);
  const sweeperRuns = SECONDS_PER_MONTH / 60;
  const idleMonthly: CostComponent[] = [
    {
      name: 'Alarms',
      usd: alarmMetrics * prices.alarmMetricMonth,
      basis: `${alarms.length} alarms, ${alarmMetrics} alarm metrics in the generated template`,
    },
    { name: 'Dashboard', usd: dashboards * prices.dashboardMonth, basis: `${dashboards} dashboard(s)` },
    {
      name: 'Custom metrics (idle)',
      usd: 3 * prices.customMetricMonth,
      basis: 'the sweeper publishes SpilloverMoved/Failed/Incomplete every run',
    },
    {
      name: 'SQS polling by event source mappings',
      usd: idleReceives * prices.sqsRequest,
      basis: `${workers.length} queues × ${a.idlePollersPerQueue} pollers × one ${a.longPollSeconds} s long poll = ${Math.round(idleReceives / 1e6)} M ReceiveMessage`,
    },
    {
      name: 'Spillover sweeper',
      usd:
        sweeperRuns *
        (prices.lambdaRequest +
          sweeperGb * (a.sweeperBilledMs / 1000) * prices.lambdaArmGbSecond +
          a.sweeperReadUnitsPerRun * prices.dynamoReadUnit),
      basis: `${sweeperRuns} runs × (${sweeper?.memorySize ?? 512} MB × ${a.sweeperBilledMs} ms + one query)`,
    },
  ].map((c) => ({ ...c, usd: round(c.usd, 2) }));

  // Under traffic every published dimension set is a billed metric: the ingest's Webhooks by outcome
  // (accepted, archived, quarantined; lib/ingest/outcome.ts), and the workers' Records by event ×
  // outcome, WriteUnits and EndToEndLatency by event (lib/workers/batch.ts), for the handled events
  // plus archive and quarantine; the sweeper's three.
  const eventSeries = Object.keys(writeUnits.byEvent).length + 2;
  const trafficMetrics = 3 /* Webhooks */ + eventSeries /* Records */ + 2 * eventSeries + 3;

  const perMillionUsd = round(
    perMillion.reduce((sum, c) => sum + c.usd, 0),
    2,
  );
  const idleMonthlyUsd = round(
    idleMonthly.reduce((sum, c) => sum + c.usd, 0),
    2,
  );
  const targets = { perMillionUsd: 4, idleMonthlyUsd: 6 };
  return {
    prices,
    assumptions,
    perMillionUsd,
    idleMonthlyUsd,
    customMetricsUnderTrafficMonthlyUsd: round(trafficMetrics * prices.customMetricMonth, 2),
    targets,
    pass: {
      perMillion: perMillionUsd <= targets.perMillionUsd,
      idle: idleMonthlyUsd <= targets.idleMonthlyUsd,
    },
    components: { perMillion, idleMonthly },
    alternatives: [
      {
        name: 'API Gateway → SQS direct integration (no ingest Lambda)',
        perMillionUsd: round(
          perMillionUsd - (perMillion.find((c) => c.name === 'Lambda ingest')?.usd ?? 0),
          2,
        ),
        note: 'same queues, workers and table; cannot verify the HMAC signature or validate before acknowledging, so forged or malformed events are stored',
      },
      {
        name: 'Hookdeck (hosted)',
        perMillionUsd: null,
        note: 'published price not readable from this machine; compare on hookdeck.com/pricing. It delivers to an HTTP endpoint you still run and store behind',
      },
    ],
    counts: {
      alarms: alarms.length,
      alarmMetrics,
      dashboards,
      queuesWithPollers: workers.length,
      functions: functions.length,
      ingestMemoryMb: ingest?.memorySize ?? 0,
      workerMemoryMb: workers[0]?.memorySize ?? 0,
    },
  };
};

export const costReport = (c: CostResult): string[] => [
  '## Cost model (AWS list prices)',
  '',
  `${c.prices.region} list prices read ${c.prices.readAt}, no free tier (sources in scripts/bench/cost.ts). Measured inputs: write units and body sizes from the mix above; resource counts from the generated template (${c.counts.alarms} alarms / ${c.counts.alarmMetrics} alarm metrics, ${c.counts.dashboards} dashboard, ${c.counts.queuesWithPollers} polled queues, ${c.counts.functions} functions; ingest ${c.counts.ingestMemoryMb} MB, workers ${c.counts.workerMemoryMb} MB). Assumptions: ${Object.entries(
    c.assumptions,
  )
    .map(([key, value]) => `${key} ${value}`)
    .join(', ')}.`,
  '',
  `**Variable: $${c.perMillionUsd} per million webhooks (target ≤ $${c.targets.perMillionUsd}: ${c.pass.perMillion ? 'PASS' : 'FAIL'}). Idle floor: $${c.idleMonthlyUsd} a month (target ≤ $${c.targets.idleMonthlyUsd}: ${c.pass.idle ? 'PASS' : 'FAIL'}).** Custom metrics while traffic flows add about $${c.customMetricsUnderTrafficMonthlyUsd} a month (one billed metric per published dimension set).`,
  '',
  '| per million webhooks | USD | basis |',
  '|---|---|---|',
  ...c.components.perMillion.map((x) => `| ${x.name} | ${x.usd} | ${x.basis} |`),
  '',
  '| idle month | USD | basis |',
  '|---|---|---|',
  ...c.components.idleMonthly.map((x) => `| ${x.name} | ${x.usd} | ${x.basis} |`),
  '',
  'Side by side:',
  '',
  `- this stack: $${c.perMillionUsd} per million`,
  ...c.alternatives.map(
    (x) => `- ${x.name}: ${x.perMillionUsd === null ? 'n/a' : `$${x.perMillionUsd} per million`} — ${x.note}`,
  ),
  '',
];
