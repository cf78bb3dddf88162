import { writeFileSync } from 'node:fs';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { handledEventNames } from '#contracts/routes.ts';
import { chatwootJson, handledPayload, largeMessagePayload, story } from '#fixtures/payloads.ts';
import { sqsSendMessage } from '#lib/delivery/send.ts';
import { DEFAULT_GZIP_THRESHOLD_BYTES } from '#lib/events/envelope.ts';
import { handleWebhook, type IngestDeps, type WebhookRequest } from '#lib/ingest/handle-webhook.ts';
import { payloadChecks } from '#lib/ingest/payload-checks.ts';
import { parseSources } from '#lib/ingest/sources.ts';
import { deliveryHeader, signatureDigest, signedHeaders } from '#lib/signing.ts';

/**
 * Child process of budget (b), bundled with the functions' esbuild options so both sides run the
 * code as deployed. Per event, in process:
 * - ingest: H2's `handleWebhook` (verify HMAC + parse + validate + route + encode + build the
 *   SendMessageCommand through the real SQS adapter), the client's `send` a no-op;
 * - floor: `JSON.parse` + building the same SendMessageCommand (same queue URL, body, attributes),
 *   the same no-op send.
 * `core` measures exactly the budget's steps (the per-request metric line is skipped); `deployed` adds the
 * real metrics and INFO logs. Same payloads for both (H1's fixtures: the eight handled events, doc and real shapes), alternating
 * blocks so drift hits both alike. Writes its result as JSON to argv[2].
 */

const resultFile = process.argv[2];
const blocks = Number(process.argv[3] ?? 30);
/**
 * `core`: the budget's steps only, so the per-request metric line is skipped (recordOutcome no-op);
 * `deployed`: the real recordOutcome (Powertools EMF) and INFO logs, as on Lambda.
 */
const mode = process.argv[4] === 'deployed' ? 'deployed' : 'core';
if (resultFile === undefined) throw new Error('usage: cpu-probe <result.json> [blocks]');

const secret = 'bench-secret-0123456789abcdef';
const queueUrlPrefix = 'https://sqs.us-east-1.amazonaws.com/123456789012/messagehub-webhooks-bench-';
const nowSeconds = story.t0 + 60;
const now = new Date(nowSeconds * 1000);

let sent = 0;
const noopClient = {
  send: async (command: SendMessageCommand) => {
    if (command.input.MessageBody !== undefined) sent++;
    return {};
  },
} as unknown as SQSClient;

const deps: IngestDeps = {
  sources: parseSources(JSON.stringify({ bench: secret })),
  queueUrlPrefix,
  gzipThresholdBytes: DEFAULT_GZIP_THRESHOLD_BYTES,
  maxBodyBytes: 4 * 1024 * 1024,
  sendMessage: sqsSendMessage(noopClient),
  putSpillover: async () => {
    throw new Error('the benchmark never spills over');
  },
  checks: payloadChecks,
  now: () => now,
  ...(mode === 'core' ? { recordOutcome: () => undefined } : {}),
};

const request = (body: string, index: number): WebhookRequest => ({
  method: 'POST',
  source: 'bench',
  headers: {
    ...signedHeaders(secret, body, nowSeconds),
    [deliveryHeader]: `6f1c2d3e-0000-4000-8000-${String(index).padStart(12, '0')}`,
    'user-agent': 'Ruby',
    accept: 'application/json',
  },
  query: undefined,
  body,
  isBase64Encoded: false,
});

const payloads = handledEventNames.flatMap((event) =>
  (['doc', 'real'] as const).map((shape) => chatwootJson(handledPayload(event, { shape }))),
);
const requests = payloads.map(request);
const large = request(chatwootJson(largeMessagePayload()), 999);

const ingest = async (r: WebhookRequest): Promise<void> => {
  const response = await handleWebhook(r, deps);
  if (response.statusCode !== 202 || !String(response.body).includes('"accepted"'))
    throw new Error(`the ingest did not accept a fixture: ${response.statusCode} ${response.body}`);
};

const floor = async (r: WebhookRequest): Promise<void> => {
  const body = r.body as string;
  const payload = JSON.parse(body) as { event: string; account?: { id?: number } };
  const headers = r.headers as Record<string, string>;
  await noopClient.send(
    new SendMessageCommand({
      QueueUrl: `${queueUrlPrefix}${payload.event.replaceAll('_', '-')}`,
      MessageBody: body,
      MessageAttributes: {
        event: { DataType: 'String', StringValue: payload.event },
        source: { DataType: 'String', StringValue: 'bench' },
        eventId: { DataType: 'String', StringValue: headers[deliveryHeader] as string },
        receivedAt: { DataType: 'String', StringValue: now.toISOString() },
        encoding: { DataType: 'String', StringValue: 'identity' },
        accountId: { DataType: 'Number', StringValue: String(payload.account?.id ?? 1) },
      },
    }),
  );
};

/**
 * The signature check alone: the HMAC-SHA256 every signed delivery needs, over the same bodies. Not
 * part of the budget's ratio; it shows how much of the 1.5× the signature check by itself takes.
 */
const verifyOnly = async (r: WebhookRequest): Promise<void> => {
  const digest = signatureDigest(secret, String(nowSeconds), r.body as string);
  if (digest.length !== 32) throw new Error('unexpected digest');
};

const timeBlock = async (fn: (r: WebhookRequest) => Promise<void>, list: WebhookRequest[], reps: number) => {
  const started = process.hrtime.bigint();
  for (let rep = 0; rep < reps; rep++) for (const r of list) await fn(r);
  return Number(process.hrtime.bigint() - started) / (reps * list.length) / 1000; // µs per event
};

const measure = async (list: WebhookRequest[], reps: number, count: number) => {
  // Warm-up: let the JIT settle on both paths.
  await timeBlock(ingest, list, reps);
  await timeBlock(floor, list, reps);
  const ingestUs: number[] = [];
  const floorUs: number[] = [];
  for (let block = 0; block < count; block++) {
    if (block % 2 === 0) {
      ingestUs.push(await timeBlock(ingest, list, reps));
      floorUs.push(await timeBlock(floor, list, reps));
    } else {
      floorUs.push(await timeBlock(floor, list, reps));
      ingestUs.push(await timeBlock(ingest, list, reps));
    }
  }
  return { ingestUs, floorUs };
};

const typical = await measure(requests, 40, blocks);
const hmacUs: number[] = [];
await timeBlock(verifyOnly, requests, 40);
for (let block = 0; block < blocks; block++) hmacUs.push(await timeBlock(verifyOnly, requests, 40));
const big = await measure([large], 4, Math.max(6, Math.floor(blocks / 3)));
writeFileSync(
  resultFile,
  JSON.stringify({
    payloads: payloads.length,
    payloadBytes: payloads.map((p) => Buffer.byteLength(p)),
    largeBytes: Buffer.byteLength(large.body as string),
    typical,
    hmacUs,
    large: big,
    sent,
  }),
);
