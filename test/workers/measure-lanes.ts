import { messagePayload } from '#fixtures/payloads.ts';
import { localDynamoDbClient } from '#infra/local/clients.ts';
import { startDynamoDbLocal } from '#infra/local/emulators.ts';
import { eventWorker } from '#lib/workers/workers.ts';
import { envelopeOf, freshTable, sqsEventOf, sqsRecordOf } from './support.ts';

/**
 * Do lib/workers/batch.ts's per-conversation lanes earn their keep? Times full batches (10
 * message_created, the route's batch size) through the real worker against DynamoDB Local, with the
 * lanes (4 at once, the default) and with one lane at a time (what Powertools' BatchProcessor gives
 * with `processInParallel: false`, the only Powertools mode that keeps a conversation in order).
 * Run: `nice npx node test/workers/measure-lanes.ts` (not a test: it prints figures).
 */

const BATCHES = Number(process.env.BATCHES ?? 30);
/**
 * DynamoDB Local answers from this machine's CPU, so concurrent writes barely overlap; in a region
 * each call waits on the network. LATENCY_MS (default 8, a simulated in-region round trip) is added
 * before every DynamoDB call, so the figures show what overlapping those waits is worth.
 */
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 8);
const emulator = await startDynamoDbLocal({});
try {
  const dynamodb = localDynamoDbClient(emulator.endpoint);
  dynamodb.middlewareStack.add(
    (next) => async (args) => {
      await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
      return next(args);
    },
    { step: 'finalizeRequest', name: 'simulatedNetworkLatency' },
  );
  let id = 10_000;
  const batch = (conversations: number) =>
    sqsEventOf(
      Array.from({ length: 10 }, (_, n) =>
        sqsRecordOf(
          envelopeOf(
            messagePayload({
              id: id++,
              content: `m${n}`,
              overrides: { conversation: { id: 100 + (n % conversations) } },
            }),
          ),
        ),
      ),
    );
  for (const conversations of [1, 10]) {
    for (const concurrency of [1, 4]) {
      const tableName = await freshTable(dynamodb);
      const worker = eventWorker('message_created', {
        dynamodb,
        tableName,
        rawArchiveTtlDays: 30,
        concurrency,
      });
      await worker(batch(conversations)); // warm
      const times: number[] = [];
      for (let b = 0; b < BATCHES; b++) {
        const event = batch(conversations);
        const started = performance.now();
        const response = await worker(event);
        times.push(performance.now() - started);
        if (response.batchItemFailures.length > 0) throw new Error('a record failed');
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      console.log(
        `${conversations} conversation(s) per batch, lanes at once ${concurrency}: median ${median.toFixed(1)} ms per 10-record batch (p90 ${times[Math.floor(times.length * 0.9)]!.toFixed(1)} ms, ${BATCHES} batches, +${LATENCY_MS} ms per DynamoDB call)`,
      );
    }
  }
} finally {
  await emulator.stop();
}
