import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '#scripts/build.ts';
import { benchColdStart, type ColdStartResult } from './cold-start.ts';
import { costModel, costReport } from './cost.ts';
import { benchCpu, type CpuResult } from './cpu.ts';
import type { EndToEndResult } from './e2e.ts';
import { summariseProfile } from './profile.ts';
import { benchWriteUnits, type WriteUnitsResult, writeUnitsReport } from './write-units.ts';

/**
 * `npm run bench [-- --runs 40 --blocks 30 --events 1000 --skip-e2e]`: measures the three budgets of
 * docs/design.md side by side in one run and writes bench/report.md + bench/report.json. Ratios are
 * the result; absolute times are context (this machine, its load).
 */

// The handlers read these at module scope; the e2e stack runs them in this process.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '40' },
    blocks: { type: 'string', default: '30' },
    events: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '20' },
    pollers: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    warm: { type: 'string', default: '4' },
    'skip-e2e': { type: 'boolean', default: false },
    /** Measure (c) only and print its result; the report is left as it is. */
    'only-e2e': { type: 'boolean', default: false },
    /** With --only-e2e: also profile one more pipeline run. */
    profile: { type: 'boolean', default: false },
    /** Measure the DynamoDB write units (and the cost model) only and print them; the report is left as it is. */
    'only-writes': { type: 'boolean', default: false },
  },
});

if (values['only-writes']) {
  const writeUnits = await benchWriteUnits();
  const cost = costModel(writeUnits);
  console.log([...writeUnitsReport(writeUnits), ...costReport(cost)].join('\n'));
  console.log(JSON.stringify({ writeUnits, cost }, null, 2));
  process.exit(0);
}

if (values['only-e2e']) {
  const { benchEndToEnd } = await import('./e2e.ts');
  const result = await benchEndToEnd({
    events: Number(values.events),
    concurrency: Number(values.concurrency),
    pollerConcurrency: Number(values.pollers),
    rounds: Number(values.rounds),
    warmRuns: Number(values.warm),
    ...(values.profile ? { profileDir: join(projectRoot, 'dist', 'bench', 'e2e-profile') } : {}),
  });
  const profile = values.profile
    ? summariseProfile(join(projectRoot, 'dist', 'bench', 'e2e-profile'), '(root)').byModule.slice(0, 10)
    : undefined;
  console.log(JSON.stringify({ ...result, profile }, null, 2));
  process.exit(0);
}

const budgets = { coldStart: 1.15, bundleSize: 1.25, cpu: 1.5, throughput: 0.7 } as const;
const outRoot = join(projectRoot, 'dist', 'bench');
const started = new Date();
const load = loadavg();

console.error('bench: cold start …');
const coldStart: ColdStartResult = await benchColdStart({ runs: Number(values.runs), outRoot });
console.error('bench: CPU per event …');
const cpu: CpuResult = await benchCpu({ blocks: Number(values.blocks), outRoot });
console.error('bench: DynamoDB write units per event (starts DynamoDB Local) …');
const writeUnits: WriteUnitsResult = await benchWriteUnits();
const cost = costModel(writeUnits);
let endToEnd: EndToEndResult | null = null;
let pipelineProfile: ReturnType<typeof summariseProfile> | null = null;
// HOOK (c): the local stack is H5's infra/local/stack.ts (`startLocalStack`), the one `npm start` runs.
if (!values['skip-e2e']) {
  console.error('bench: end-to-end throughput (starts DynamoDB Local + fauxqs) …');
  const { benchEndToEnd } = await import('./e2e.ts');
  endToEnd = await benchEndToEnd({
    events: Number(values.events),
    concurrency: Number(values.concurrency),
    pollerConcurrency: Number(values.pollers),
    rounds: Number(values.rounds),
    warmRuns: Number(values.warm),
    profileDir: join(outRoot, 'e2e-profile'),
  });
  // The bench process hosts the HTTP server, ingest, fauxqs, pollers and workers: where did its CPU go?
  pipelineProfile = summariseProfile(join(outRoot, 'e2e-profile'), '(root)');
}

const verdict = (pass: boolean): string => (pass ? '**PASS**' : '**FAIL**');
const over = (ratio: number, budget: number): string =>
  ratio <= budget ? '' : ` (${(((ratio - budget) / budget) * 100).toFixed(0)}% over budget)`;
const round2 = (value: number): number => Number(value.toFixed(2));
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;

const results = {
  coldStart: {
    ratio: coldStart.importRatio,
    budget: budgets.coldStart,
    pass: coldStart.importRatio <= budgets.coldStart,
  },
  bundleSize: {
    ratio: coldStart.sizeRatio,
    budget: budgets.bundleSize,
    pass: coldStart.sizeRatio <= budgets.bundleSize,
  },
  cpu: { ratio: cpu.core.ratio, budget: budgets.cpu, pass: cpu.core.ratio <= budgets.cpu },
  // Issue 11: as deployed (INFO logs + EMF), at most 2× the floor.
  cpuDeployed: { ratio: cpu.deployed.ratio, budget: 2, pass: cpu.deployed.ratio <= 2 },
  writeUnits: { median: writeUnits.medianPerEvent, budget: writeUnits.target, pass: writeUnits.pass },
  costPerMillion: { usd: cost.perMillionUsd, budget: cost.targets.perMillionUsd, pass: cost.pass.perMillion },
  costIdleMonthly: { usd: cost.idleMonthlyUsd, budget: cost.targets.idleMonthlyUsd, pass: cost.pass.idle },
  throughput:
    endToEnd === null
      ? null
      : {
          ratio: endToEnd.ratio,
          budget: budgets.throughput,
          pass:
            endToEnd.ratio >= budgets.throughput &&
            endToEnd.lost === 0 &&
            endToEnd.duplicatedMessages === 0 &&
            endToEnd.missingMessages === 0 &&
            endToEnd.non202 === 0,
        },
};

const lines: string[] = [
  '# Benchmark report',
  '',
  `Generated by \`npm run bench\` on ${started.toISOString()} — Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), load average at start ${load.map((l) => l.toFixed(2)).join(' / ')}.`,
  'Budgets from docs/design.md ("Budgets"). Ratios are measured side by side in this one run; absolute times are context only (this machine was shared and loaded).',
  '',
  '| budget | measured | limit | verdict |',
  '|---|---|---|---|',
  `| (a) ingest cold init vs SQS-only floor (median import time) | ${coldStart.importRatio}× | ≤ ${budgets.coldStart}× | ${verdict(results.coldStart.pass)}${over(coldStart.importRatio, budgets.coldStart)} |`,
  `| (a) ingest bundle size vs floor (all shipped code) | ${coldStart.sizeRatio}× | ≤ ${budgets.bundleSize}× | ${verdict(results.bundleSize.pass)}${over(coldStart.sizeRatio, budgets.bundleSize)} |`,
  `| (b) ingest CPU per event vs JSON.parse + SendMessageCommand | ${cpu.core.ratio}× | ≤ ${budgets.cpu}× | ${verdict(results.cpu.pass)}${over(cpu.core.ratio, budgets.cpu)} |`,
  `| (b) ingest CPU per event as deployed (INFO access log + EMF in one line) vs floor | ${cpu.deployed.ratio}× | ≤ 2× | ${verdict(cpu.deployed.ratio <= 2)} |`,
  `| DynamoDB write units per event, median on the mix | ${writeUnits.medianPerEvent} (mean ${writeUnits.meanPerEvent}) | ≤ ${writeUnits.target} | ${verdict(writeUnits.pass)} |`,
  `| AWS cost per million webhooks (variable, list prices) | $${cost.perMillionUsd} | ≤ $${cost.targets.perMillionUsd} | ${verdict(cost.pass.perMillion)} |`,
  `| AWS idle floor per month | $${cost.idleMonthlyUsd} | ≤ $${cost.targets.idleMonthlyUsd} | ${verdict(cost.pass.idle)} |`,
  endToEnd === null || results.throughput === null
    ? '| (c) end-to-end throughput vs raw DynamoDB Local writes | not run (--skip-e2e) | ≥ 0.7× | — |'
    : `| (c) end-to-end write rate vs raw DynamoDB Local PutItem, same number of writes | ${endToEnd.ratio}× (lost ${endToEnd.lost}, duplicated ${endToEnd.duplicatedMessages}) | ≥ ${budgets.throughput}×, 0 lost/dup | ${verdict(results.throughput.pass)}${endToEnd.ratio >= budgets.throughput ? '' : ` (${((1 - endToEnd.ratio / budgets.throughput) * 100).toFixed(0)}% under budget)`} |`,
  '',
  '## (a) Cold start',
  '',
  `Each sample is a fresh \`node\` process importing one bundle (the Lambda runtime's cold init of the handler module), with the deployed environment (\`NODE_OPTIONS=--enable-source-maps\`, settings in env; secrets from \`WEBHOOK_SECRETS\` since the SSM extension is not local). Ingest and floor alternate (ABBA), ${coldStart.runsPerSide} runs each. The floor (scripts/bench/floor-entry.ts) imports only \`@aws-sdk/client-sqs\`, builds the client at module scope and forwards the body; it is bundled with the same esbuild options as the functions (scripts/build.ts).`,
  '',
  '| | ingest | floor | ratio |',
  '|---|---|---|---|',
  `| import, median | ${coldStart.ingestImportMedianMs} ms | ${coldStart.floorImportMedianMs} ms | ${coldStart.importRatio}× (median of paired ratios ${coldStart.pairedRatioMedian}×) |`,
  `| import, p90 | ${coldStart.ingestImportP90Ms} ms | ${coldStart.floorImportP90Ms} ms | |`,
  `| whole process, median (context) | ${coldStart.ingestProcessMedianMs} ms | ${coldStart.floorProcessMedianMs} ms | |`,
  `| shipped code (entry + lazy chunks) | ${kb(coldStart.ingestBytes)} | ${kb(coldStart.floorBytes)} | ${coldStart.sizeRatio}× |`,
  `| loaded at cold start (entry + static chunks) | ${kb(coldStart.ingestColdLoadedBytes)} | ${kb(coldStart.floorColdLoadedBytes)} | ${coldStart.coldLoadedSizeRatio}× |`,
  '',
  'Largest contributors to the ingest entry bundle (bytes in output):',
  '',
  ...coldStart.ingestComposition.map((entry) => `- ${entry.module}: ${kb(entry.bytes)}`),
  '',
  '## (b) CPU per event',
  '',
  `In one process (bundled like a function), ${cpu.payloads} payloads (the eight handled events, doc and real shapes, from fixtures/payloads.ts; median ${cpu.payloadBytesMedian} bytes), ${cpu.blocks} alternating blocks. Ingest = \`handleWebhook\` (HMAC verify, parse, validate, route, encode, build the SendMessageCommand through the real SQS adapter, the client's \`send\` a no-op); floor = \`JSON.parse\` + the same SendMessageCommand (same URL, body and attributes) and the same no-op send.`,
  '',
  '| mode | ingest µs/event | floor µs/event | ratio |',
  '|---|---|---|---|',
  `| core (budget: WARN logs, no per-request metric) | ${cpu.core.ingestUsPerEvent} | ${cpu.core.floorUsPerEvent} | ${cpu.core.ratio}× |`,
  `| as deployed (INFO log line + EMF metric per request) | ${cpu.deployed.ingestUsPerEvent} | ${cpu.deployed.floorUsPerEvent} | ${cpu.deployed.ratio}× |`,
  `| core, one ${kb(cpu.largeBytes)} body (gzip path) | ${cpu.largeCore.ingestUsPerEvent} | ${cpu.largeCore.floorUsPerEvent} | ${cpu.largeCore.ratio}× |`,
  '',
  `The signature check alone (HMAC-SHA256 over \`"{timestamp}.{body}"\` with node:crypto, on the same bodies) takes ${cpu.hmacUsPerEvent} µs per event, ${cpu.hmacShareOfFloor}× of the floor: a verifying ingest cannot go below ${(1 + cpu.hmacShareOfFloor).toFixed(2)}× before it parses, validates or builds anything beyond what the floor does.`,
  '',
  'Where the ingest core time goes (CPU profile of the unbundled source, samples under `handleWebhook`), by function it calls directly:',
  '',
  ...cpu.ingestProfileByCallee.map((entry) => `- ${(entry.share * 100).toFixed(1)}% ${entry.module}`),
  '',
  'By module whose code was running:',
  '',
  ...cpu.ingestProfile.map((entry) => `- ${(entry.share * 100).toFixed(1)}% ${entry.module}`),
  '',
  ...writeUnitsReport(writeUnits),
  ...costReport(cost),
  '## (c) End-to-end throughput',
  '',
  ...(endToEnd === null
    ? ['Not run.']
    : [
        `H5's local stack (\`startLocalStack\`, in memory, the stack \`npm start\` runs): signed HTTP POSTs (${endToEnd.concurrency} at a time, from a separate thread standing in for Chatwoot) → real ingest handler → fauxqs (own thread) → pollers (${endToEnd.pollerConcurrency} concurrent batches per queue, like Lambda's initial SQS scaling; batch size and window from infra/queues.ts) → real worker handlers → DynamoDB Local. Each run: ${Object.entries(
          endToEnd.mix,
        )
          .map(([event, count]) => `${count} ${event}`)
          .join(', ')}, timed from the first POST until the workers had processed every event.`,
        '',
        `**How the ratio is read.** "The raw write rate of the same DynamoDB Local for the same number of writes": a middleware on the workers' own DynamoDB client counts every write request they send (W; Put/Update/Delete = 1, batch and transaction items each) and how many they have in flight. W = ${endToEnd.rawWrites} writes per ${endToEnd.events} events (${endToEnd.writesPerEvent} per event: ${Object.entries(
          endToEnd.writesByCommand,
        )
          .map(([command, count]) => `${count} ${command.replace(/Command$/, '')}`)
          .join(
            ', ',
          )}; the write plan reads nothing${endToEnd.pipelineReads === 0 ? '' : `, and the ${endToEnd.pipelineReads} reads counted on that client over the measured runs are the spillover sweeper's periodic queries`}). The raw baseline sends W plain PutItem calls of the workers' mean request size (${endToEnd.meanWriteRequestBytes} bytes) through that same client, ${endToEnd.rawConcurrency} at a time (the workers' peak in flight in the warm-up run; their time-averaged concurrency is ${endToEnd.workerMeanConcurrency}). Order: ${endToEnd.warmRuns} untimed pipeline runs and 2 raw runs to warm up (JIT of DynamoDB Local, fauxqs and the handlers), then raw, pipeline, raw, … (${endToEnd.rounds} pipeline runs, ${endToEnd.rounds + 1} raw runs). ratio = pipeline write rate (Σ W / Σ time to drain) ÷ mean raw write rate = raw time for W writes ÷ pipeline time for the same W writes. Events/s is context: one event is ${endToEnd.writesPerEvent} writes.`,
        '',
        '| | value |',
        '|---|---|',
        `| pipeline | ${endToEnd.pipelineWritesPerSecond} writes/s = ${endToEnd.pipelineEventsPerSecond} events/s (runs: ${endToEnd.pipelineRuns.join(', ')} writes/s; ${endToEnd.pipelineSeconds.join(' s, ')} s per ${endToEnd.events} events) |`,
        `| raw PutItem, same W | ${endToEnd.rawWritesPerSecond} writes/s (runs: ${endToEnd.rawRuns.join(', ')}; ${endToEnd.rawSeconds.join(' s, ')} s per ${endToEnd.rawWrites} writes) |`,
        `| **ratio (budget ≥ ${budgets.throughput}×)** | **${endToEnd.ratio}×** |`,
        `| the same W writes replayed directly (no pipeline; same client, concurrency, order; empty table) | ${endToEnd.replayWritesPerSecond} writes/s: the write plan's conditional puts/updates and GSIs cost DynamoDB Local ${round2(endToEnd.replayWritesPerSecond / endToEnd.rawWritesPerSecond)}× the plain-put rate, the pipeline then reaches ${round2(endToEnd.pipelineWritesPerSecond / endToEnd.replayWritesPerSecond)}× of that |`,
        `| last POST answered after | ${endToEnd.sentSeconds.join(' s, ')} s; each route drained at (first run) ${Object.entries(
          endToEnd.drainedSecondsByRoute,
        )
          .map(([route, seconds]) => `${route} ${seconds} s`)
          .join(', ')} |`,
        `| pollers' SQS requests (first run) | ${Object.entries(endToEnd.pollerRequests)
          .map(([name, count]) => `${name} ${count}`)
          .join(', ')} |`,
        `| CPU ms per write, pipeline | Node ${endToEnd.cpuMsPerWrite.pipeline.node} (main thread ${endToEnd.cpuMsPerWrite.pipeline.main}, rest fauxqs), DynamoDB Local JVM ${endToEnd.cpuMsPerWrite.pipeline.java} |`,
        `| CPU ms per write, raw | Node ${endToEnd.cpuMsPerWrite.raw.node} (main thread ${endToEnd.cpuMsPerWrite.raw.main}), DynamoDB Local JVM ${endToEnd.cpuMsPerWrite.raw.java} |`,
        `| CPU ms per write, replay | Node ${endToEnd.cpuMsPerWrite.replay.node} (main thread ${endToEnd.cpuMsPerWrite.replay.main}), DynamoDB Local JVM ${endToEnd.cpuMsPerWrite.replay.java} |`,
        `| items written per event (table growth / events, first run) | ${endToEnd.itemsWrittenPerEvent} |`,
        `| non-202 answers | ${endToEnd.non202} |`,
        `| lost (event id without its raw archive record) | ${endToEnd.lost} |`,
        `| messages duplicated / missing in the conversation | ${endToEnd.duplicatedMessages} / ${endToEnd.missingMessages} |`,
        `| worker records succeeded / failed | ${endToEnd.workerRecordsSucceeded} / ${endToEnd.workerRecordsFailed} |`,
        '',
        `What bounds it: this Node process and the DynamoDB Local JVM share ${cpus().length} cores. CPU per write, all processes: raw ${round2(endToEnd.cpuMsPerWrite.raw.node + endToEnd.cpuMsPerWrite.raw.java)} ms (cores busy ${round2(((endToEnd.cpuMsPerWrite.raw.node + endToEnd.cpuMsPerWrite.raw.java) * endToEnd.rawWritesPerSecond) / 1000)}), pipeline ${round2(endToEnd.cpuMsPerWrite.pipeline.node + endToEnd.cpuMsPerWrite.pipeline.java)} ms (cores busy ${round2(((endToEnd.cpuMsPerWrite.pipeline.node + endToEnd.cpuMsPerWrite.pipeline.java) * endToEnd.pipelineWritesPerSecond) / 1000)}). Per event the pipeline runs, besides the same SDK write calls, the HTTP ingest, one SQS send, its share of receives and deletes and fauxqs's side of each (Node: ${endToEnd.cpuMsPerWrite.pipeline.node} vs ${endToEnd.cpuMsPerWrite.raw.node} ms per write); and the JVM spends ${endToEnd.cpuMsPerWrite.pipeline.java} ms per conditional put or update of the pipeline vs ${endToEnd.cpuMsPerWrite.raw.java} ms per plain put. When both are CPU-bound the ratio cannot exceed the CPU ratio, ${round2((endToEnd.cpuMsPerWrite.raw.node + endToEnd.cpuMsPerWrite.raw.java) / (endToEnd.cpuMsPerWrite.pipeline.node + endToEnd.cpuMsPerWrite.pipeline.java))}.`,
        '',
        `CPU profile of this process's main thread over one more, untimed pipeline run (it hosts the HTTP server, the ingest, the pollers and the workers; fauxqs has its own thread, DynamoDB Local is a separate JVM): ${pipelineProfile === null ? 'n/a' : `${pipelineProfile.totalMs.toFixed(0)} ms sampled`}, self time by module:`,
        '',
        ...(pipelineProfile?.byModule ?? []).map(
          (entry) => `- ${(entry.share * 100).toFixed(1)}% ${entry.module}`,
        ),
      ]),
  '',
];

mkdirSync(join(projectRoot, 'bench'), { recursive: true });
writeFileSync(join(projectRoot, 'bench/report.md'), `${lines.join('\n')}\n`);
writeFileSync(
  join(projectRoot, 'bench/report.json'),
  `${JSON.stringify({ generatedAt: started.toISOString(), node: process.version, loadAverage: load, budgets, results, coldStart, cpu, writeUnits, cost, endToEnd, pipelineProfile }, null, 2)}\n`,
);
console.log(lines.slice(0, 12).join('\n'));
console.log('\nwritten: bench/report.md, bench/report.json');
