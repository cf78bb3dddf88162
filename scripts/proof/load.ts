import { rssSampler, startChildStack } from './lib/child-stack.ts';
import { httpClient, runConcurrently } from './lib/http.ts';
import { progress, randomSecret, result, runAsScript, type SuiteResult, tempDir } from './lib/run.ts';
import { check, envInt, latencySummary, round } from './lib/stats.ts';
import {
  queueDepths,
  storedMessageIds,
  storedOutcomes,
  storedStatusChanges,
  waitForDrain,
} from './lib/store-checks.ts';
import { type Delivery, expectedMessages, planTraffic, sendDelivery } from './lib/traffic.ts';

/**
 * `npm run test:load`: LOAD_EVENTS signed, real-shaped webhooks over many conversations (plus a 10%
 * resend of the same deliveries) at LOAD_CONCURRENCY through the stack `npm start` runs; after the
 * drain, every 202 is read back from the store. Pass: 0 lost, 0 duplicated, 0 non-202.
 */

export interface LoadOptions {
  events?: number;
  concurrency?: number;
  resendRatio?: number;
  seed?: number;
  drainTimeoutMs?: number;
  quiet?: boolean;
}

export const runLoad = async (options: LoadOptions = {}): Promise<SuiteResult<Record<string, unknown>>> => {
  const events = options.events ?? envInt('LOAD_EVENTS', 10_000);
  const concurrency = options.concurrency ?? envInt('LOAD_CONCURRENCY', 50);
  const resendRatio = options.resendRatio ?? 0.1;
  const seed = options.seed ?? envInt('LOAD_SEED', Date.now() % 2 ** 31);
  const say = progress('load', options.quiet);
  const data = tempDir('mhub-proof-load-');
  const secret = randomSecret();
  say(
    `starting the stack (in memory), ${events} events + ${Math.round(events * resendRatio)} resends, concurrency ${concurrency}, seed ${seed}`,
  );
  const stack = await startChildStack({
    port: 0,
    inMemory: true,
    dataDir: data.dir,
    secrets: { proof: secret },
  });
  const rss = rssSampler(() => ({ node: stack.pid, java: stack.dynamoPid }));
  const client = httpClient(stack.endpoint, { maxSockets: concurrency });
  try {
    const plan = planTraffic({ events, resendRatio, seed, runId: `load${seed}` });
    const answers: { delivery: Delivery; status: number; ms: number; body: unknown }[] = [];
    const started = performance.now();
    let lastAck = started;
    await runConcurrently(plan.schedule.length, concurrency, async (index) => {
      const delivery = plan.schedule[index]!;
      const answer = await sendDelivery(client, 'proof', secret, delivery);
      lastAck = performance.now();
      answers.push({ delivery, status: answer.status, ms: answer.ms, body: answer.json ?? answer.error });
      if (answers.length % 2000 === 0) say(`${answers.length}/${plan.schedule.length} answered`);
    });
    const sendSeconds = (lastAck - started) / 1000;
    say(`sent ${answers.length} in ${round(sendSeconds)} s; draining`);
    const drain = await waitForDrain(stack, {
      timeoutMs: options.drainTimeoutMs ?? Math.max(300_000, events * 60),
    });
    const drainedAt = performance.now();
    const rssPeak = rss.stop();

    const accepted = answers.filter((a) => a.status === 202);
    const non202 = answers.filter((a) => a.status !== 202);
    const acceptedIds = [...new Set(accepted.map((a) => a.delivery.deliveryId))];
    say(`reading ${acceptedIds.length} events back from the store`);
    const outcomes = await storedOutcomes(stack, acceptedIds);
    const lost = acceptedIds.filter((id) => outcomes.get(id) === null);
    // Real-shaped payloads of handled events must be modelled, not quarantined.
    const quarantined = acceptedIds.filter((id) => outcomes.get(id) === 'quarantined');
    const expected = expectedMessages(accepted.map((a) => a.delivery));
    // A message may also arrive inside another accepted delivery (an edit, a conversation snapshot).
    const mentioned = new Set(
      accepted.flatMap((a) => (a.delivery.mentions ?? []).map((id) => `${a.delivery.conversationId}/${id}`)),
    );
    let missingMessages = 0;
    let duplicatedMessages = 0;
    let unexpectedMessages = 0;
    let duplicatedStatusChanges = 0;
    const badConversations: string[] = [];
    await runConcurrently(plan.conversations.length, 16, async (index) => {
      const conversationId = plan.conversations[index]!;
      const want = expected.get(conversationId) ?? new Set<number>();
      const ids = await storedMessageIds(stack, plan.accountId, conversationId);
      const have = new Set(ids);
      const missing = [...want].filter((id) => !have.has(id)).length;
      const extra = [...have].filter(
        (id) => !want.has(id) && !mentioned.has(`${conversationId}/${id}`),
      ).length;
      missingMessages += missing;
      unexpectedMessages += extra;
      duplicatedMessages += ids.length - have.size;
      const changes = await storedStatusChanges(stack, plan.accountId, conversationId);
      duplicatedStatusChanges += changes.length - new Set(changes.map((c) => c.event_id)).size;
      if ((missing > 0 || extra > 0) && badConversations.length < 5)
        badConversations.push(`${conversationId}: ${missing} missing, ${extra} not sent`);
    });
    const depths = await queueDepths(stack);
    const latencies = answers.map((a) => a.ms);
    const statusCounts: Record<string, number> = {};
    for (const a of answers) statusCounts[a.status] = (statusCounts[a.status] ?? 0) + 1;
    const mix: Record<string, number> = {};
    for (const d of plan.deliveries) mix[d.event] = (mix[d.event] ?? 0) + 1;

    const checks = [
      check(
        'non-202',
        non202.length === 0,
        `${non202.length} of ${answers.length}${non202[0] ? ` (first: ${non202[0].status} ${JSON.stringify(non202[0].body).slice(0, 200)})` : ''}`,
      ),
      check(
        'drained',
        !drain.timedOut,
        drain.timedOut
          ? `still queued ${drain.left.queued}, spilled ${drain.left.spilled}`
          : `in ${round(drain.ms / 1000)} s`,
      ),
      check(
        'lost',
        lost.length === 0,
        `${lost.length} of ${acceptedIds.length} accepted event ids have no raw record${lost[0] ? ` (first: ${lost[0]})` : ''}`,
      ),
      check(
        'none quarantined',
        quarantined.length === 0,
        `${quarantined.length} real-shaped events quarantined${quarantined[0] ? ` (first: ${quarantined[0]})` : ''}`,
      ),
      check(
        'messages equal the sent set',
        missingMessages === 0 && unexpectedMessages === 0,
        `${plan.conversations.length} conversations, ${missingMessages} missing, ${unexpectedMessages} never sent${badConversations.length ? `: ${badConversations.join('; ')}` : ''}`,
      ),
      check(
        'duplicated',
        duplicatedMessages === 0 && duplicatedStatusChanges === 0,
        `${duplicatedMessages} duplicated messages, ${duplicatedStatusChanges} duplicated status changes`,
      ),
      check(
        'dead letters',
        depths.deadTotal === 0,
        `${depths.deadTotal} in the DLQs ${JSON.stringify(Object.fromEntries(Object.entries(depths.dead).filter(([, n]) => n > 0)))}`,
      ),
    ];
    const figures = {
      seed,
      events: plan.deliveries.length,
      resends: plan.schedule.length - plan.deliveries.length,
      requests: answers.length,
      conversations: plan.conversations.length,
      concurrency,
      mix,
      statusCounts,
      ackLatencyMs: latencySummary(latencies),
      sendSeconds: round(sendSeconds, 2),
      requestsPerSecond: round(answers.length / sendSeconds),
      drainSecondsAfterLastAck: round((drainedAt - lastAck) / 1000, 2),
      endToEndEventsPerSecond: round(plan.deliveries.length / ((drainedAt - started) / 1000)),
      peakRssMb: { stackNode: round(rssPeak.nodeMb), dynamoDbLocalJvm: round(rssPeak.javaMb) },
      lost: lost.length,
      duplicated: duplicatedMessages + duplicatedStatusChanges,
      non202: non202.length,
    };
    return result('load', checks, figures);
  } finally {
    client.close();
    rss.stop();
    await stack.stop();
    data.remove();
  }
};

runAsScript(import.meta.url, () => runLoad());
