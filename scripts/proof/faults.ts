import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { messagePayload } from '#fixtures/payloads.ts';
import { freePort } from '#infra/local/emulators.ts';
import { repoRoot } from '#infra/local/state.ts';
import { routeTuning } from '#infra/queues.ts';
import { chatwootJson } from '#lib/events/chatwoot-json.ts';
import { messageKey } from '#lib/store/message.ts';
import { type ChildStack, startChildStack } from './lib/child-stack.ts';
import { type FaultProxy, startFaultProxy } from './lib/fault-proxy.ts';
import { httpClient, runConcurrently, sleep } from './lib/http.ts';
import { createLedger, type Sent, startPump } from './lib/ledger.ts';
import { progress, randomSecret, result, runAsScript, type SuiteResult, tempDir } from './lib/run.ts';
import { type Check, check, envInt, latencySummary, round } from './lib/stats.ts';
import {
  queueDepths,
  storedMessageIds,
  storedOutcomes,
  storedStatusChanges,
  waitForDrain,
} from './lib/store-checks.ts';
import { type Delivery, planTraffic, sendDelivery } from './lib/traffic.ts';

/**
 * `npm run test:faults`: the stack `npm start` runs, on persistent data, through its faults, with
 * every event accounted for at the end:
 *  1. DynamoDB Local paused (SIGSTOP/SIGCONT of its JVM) mid-run;
 *  2. SQS hung, then 3. SQS refusing: events spilled with a 202, swept onto their queues once back;
 *  4. SQS and the spillover both down (hung, then refusing): 503 within the bound;
 *  5. the stack killed (SIGKILL) in the middle of a batch: redelivery with 0 duplicated facts;
 *  6. SIGKILL while it ingests, then a restart: every 202 is eventually stored;
 *  7. a poison record: DLQ after maxReceiveCount while its batch-mates land; `mhub dlq redrive`
 *     restores it once it is fixable.
 * SQS and DynamoDB faults are made by TCP proxies in front of the emulators (fault-proxy.ts) that the
 * handlers use as their endpoints; the pollers and this driver reach the emulators directly.
 */

/** The sender's 5 s, minus margin: what design.md promises for the worst case. */
export const ANSWER_BOUND_MS = 3500;

export interface FaultsOptions {
  pauseSeconds?: number;
  outageSeconds?: number;
  visibilitySeconds?: number;
  concurrency?: number;
  seed?: number;
  quiet?: boolean;
  /** Check names not enforced (known defects awaiting a fix); they still run and print. */
  skip?: readonly string[];
}

interface PhaseFigures {
  requests: number;
  statuses: Record<string, number>;
  spilled?: number;
  ackMs?: ReturnType<typeof latencySummary>;
  recoverySeconds?: number;
  [key: string]: unknown;
}

const statuses = (entries: readonly Sent[]) => {
  const out: Record<string, number> = {};
  for (const e of entries) out[e.status] = (out[e.status] ?? 0) + 1;
  return out;
};

const mhub = (args: string[], dataDir: string) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/mhub.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, MHUB_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });

export const runFaults = async (
  options: FaultsOptions = {},
): Promise<SuiteResult<Record<string, unknown>>> => {
  const pauseSeconds = options.pauseSeconds ?? envInt('FAULT_PAUSE_SECONDS', 30);
  const outageSeconds = options.outageSeconds ?? envInt('FAULT_OUTAGE_SECONDS', 10);
  // A record must not come back while its batch still runs (AWS: visibility ≥ 6 × the function
  // timeout), nor more than twice during the pause, or a pause alone would dead-letter it: so the
  // suite shortens both, keeping timeout < visibility and visibility > pause. On AWS (180 s / 30 s)
  // the same faults cost up to the 180 s visibility timeout in recovery.
  const visibilitySeconds =
    options.visibilitySeconds ?? envInt('FAULT_VISIBILITY_SECONDS', Math.max(20, pauseSeconds + 5));
  const workerTimeoutSeconds = Math.min(30, Math.max(5, Math.floor(visibilitySeconds / 2)));
  const only = (process.env.FAULT_PHASES ?? '').split(',').filter(Boolean);
  const want = (name: string): boolean => only.length === 0 || only.includes(name);
  const concurrency = options.concurrency ?? envInt('FAULT_CONCURRENCY', 8);
  const seed = options.seed ?? envInt('FAULT_SEED', Date.now() % 2 ** 31);
  const skip = options.skip ?? (process.env.PROOF_SKIP ?? '').split(',').filter(Boolean);
  const say = progress('faults', options.quiet);
  const data = tempDir('mhub-proof-faults-');
  const secret = randomSecret();
  const port = await freePort();
  const sqsProxy: FaultProxy = await startFaultProxy();
  const dynamoProxy: FaultProxy = await startFaultProxy();
  const checks: Check[] = [];
  const figures: Record<string, unknown> = {
    seed,
    pauseSeconds,
    outageSeconds,
    visibilityTimeoutSeconds: visibilitySeconds,
    workerTimeoutSeconds,
    concurrency,
  };
  const phases: Record<string, PhaseFigures> = {};
  figures.phases = phases;

  const boot = async (): Promise<ChildStack> => {
    const started = performance.now();
    const stack = await startChildStack({
      port,
      inMemory: false,
      dataDir: data.dir,
      secrets: { proof: secret },
      visibilityTimeoutSeconds: visibilitySeconds,
      workerTimeoutSeconds,
      pollWaitSeconds: 1,
      handlerEndpoints: { sqs: sqsProxy.url, dynamodb: dynamoProxy.url },
    });
    sqsProxy.setTarget(stack.sqsEndpoint);
    dynamoProxy.setTarget(stack.dynamoEndpoint);
    say(
      `stack up in ${round((performance.now() - started) / 1000)} s (pid ${stack.pid}, JVM ${stack.dynamoPid})`,
    );
    return stack;
  };

  let stack = await boot();
  const client = httpClient(`http://127.0.0.1:${port}`, { maxSockets: 64, timeoutMs: 15_000 });
  const ledger = createLedger();
  const plan = planTraffic({ events: 40_000, seed, runId: `faults${seed}` });
  let phase = 'warm-up';
  const pump = (c = concurrency, gapMs = 20) =>
    startPump({
      client,
      sourceName: 'proof',
      secret,
      deliveries: plan.deliveries,
      ledger,
      concurrency: c,
      phase: () => phase,
      gapMs,
    });
  const drain = async (label: string, timeoutMs = 180_000) => {
    const outcome = await waitForDrain(stack, { timeoutMs });
    if (outcome.timedOut)
      say(`${label}: not drained after ${timeoutMs} ms (${JSON.stringify(outcome.left)})`);
    return outcome;
  };
  const boundCheck = (name: string, entries: readonly Sent[], expectStatus: number) => {
    const slow = entries.filter((e) => e.ms > ANSWER_BOUND_MS);
    const wrong = entries.filter((e) => e.status !== expectStatus);
    checks.push(
      check(
        `${name}: ${expectStatus} within ${ANSWER_BOUND_MS} ms`,
        entries.length > 0 && slow.length === 0 && wrong.length === 0,
        `${entries.length} requests, ${wrong.length} not ${expectStatus} ${JSON.stringify(statuses(entries))}, ${slow.length} slower than the bound (max ${round(Math.max(0, ...entries.map((e) => e.ms)))} ms)`,
        skip,
      ),
    );
  };

  try {
    // Warm-up: traffic flows normally.
    let traffic = pump();
    await sleep(3000);
    await traffic.stop();
    await drain('warm-up');

    // 1. DynamoDB Local paused mid-run.
    if (want('pause')) {
      say(`1. DynamoDB Local paused for ${pauseSeconds} s`);
      phase = 'dynamodb-paused';
      traffic = pump();
      await sleep(1500);
      process.kill(stack.dynamoPid!, 'SIGSTOP');
      await sleep(pauseSeconds * 1000);
      process.kill(stack.dynamoPid!, 'SIGCONT');
      const resumedAt = performance.now();
      phase = 'dynamodb-resumed';
      await sleep(1500);
      await traffic.stop();
      const afterPause = await drain('after the pause');
      const paused = ledger.of('dynamodb-paused');
      phases.dynamodbPaused = {
        requests: paused.length,
        statuses: statuses(paused),
        ackMs: latencySummary(paused.map((e) => e.ms)),
        recoverySeconds: round((performance.now() - resumedAt) / 1000, 1),
      };
      boundCheck('DynamoDB paused: ingest unaffected', paused, 202);
      checks.push(
        check(
          'DynamoDB paused: drained after resume',
          !afterPause.timedOut,
          `${phases.dynamodbPaused.recoverySeconds} s from SIGCONT until every queue was empty`,
        ),
      );
    }

    // 2./3. SQS hung, then refusing: spilled with a 202, swept back.
    for (const mode of ['hang', 'refuse'] as const) {
      if (!want('sqs')) break;
      const name = mode === 'hang' ? 'SQS hung' : 'SQS refusing';
      say(`${mode === 'hang' ? 2 : 3}. ${name} for ${outageSeconds} s`);
      phase = `sqs-${mode}`;
      traffic = pump();
      await sleep(1000);
      sqsProxy.setMode(mode);
      const outageStarted = performance.now();
      await sleep(outageSeconds * 1000);
      sqsProxy.setMode('pass');
      const backAt = performance.now();
      phase = `sqs-${mode}-after`;
      await sleep(1000);
      await traffic.stop();
      const swept = await drain(`after ${name}`);
      const during = ledger
        .of(`sqs-${mode}`)
        .filter((e) => e.at >= outageStarted + ANSWER_BOUND_MS && e.at <= backAt);
      const all = ledger.of(`sqs-${mode}`);
      phases[mode === 'hang' ? 'sqsHung' : 'sqsRefusing'] = {
        requests: all.length,
        statuses: statuses(all),
        spilled: all.filter((e) => e.spilled).length,
        ackMs: latencySummary(all.map((e) => e.ms)),
        recoverySeconds: round((performance.now() - backAt) / 1000, 1),
      };
      boundCheck(name, all, 202);
      checks.push(
        check(
          `${name}: events spilled`,
          during.length > 0 && during.every((e) => e.spilled),
          `${all.filter((e) => e.spilled).length} of ${all.length} spilled; ${during.filter((e) => !e.spilled).length} answered during the outage were not`,
          skip,
        ),
      );
      checks.push(
        check(
          `${name}: swept back once SQS is back`,
          !swept.timedOut,
          `spillover and queues empty ${phases[mode === 'hang' ? 'sqsHung' : 'sqsRefusing']!.recoverySeconds} s after SQS came back`,
        ),
      );
    }

    // 4. SQS and the spillover both down: 503 within the bound, for hung and for refusing endpoints.
    for (const mode of ['hang', 'refuse'] as const) {
      if (!want('both')) break;
      say(`4. SQS and the spillover both ${mode === 'hang' ? 'hung' : 'refusing'}`);
      phase = `both-${mode}`;
      sqsProxy.setMode(mode);
      dynamoProxy.setMode(mode);
      traffic = pump(4, 0);
      await sleep(Math.max(4000, outageSeconds * 500));
      await traffic.stop();
      sqsProxy.setMode('pass');
      dynamoProxy.setMode('pass');
      const entries = ledger.of(`both-${mode}`);
      const withoutRetryAfter = entries.filter(
        (e) => e.status === 503 && (e.body as { error?: { code?: string } })?.error?.code !== 'unavailable',
      );
      phases[mode === 'hang' ? 'bothHung' : 'bothRefusing'] = {
        requests: entries.length,
        statuses: statuses(entries),
        ackMs: latencySummary(entries.map((e) => e.ms)),
      };
      boundCheck(`SQS and spillover both ${mode === 'hang' ? 'hung' : 'refusing'}`, entries, 503);
      checks.push(
        check(
          `both ${mode}: 503 names its code`,
          withoutRetryAfter.length === 0,
          `${withoutRetryAfter.length} 503s without error.code "unavailable"`,
        ),
      );
      await drain(`after both ${mode}`);
    }

    // 5. Killed in the middle of a batch: SIGKILL while batches are in flight, restart, redelivery.
    if (want('kill')) {
      say('5. SIGKILL in the middle of a batch');
      phase = 'mid-batch';
      const burst = startPump({
        client,
        sourceName: 'proof',
        secret,
        deliveries: plan.deliveries.slice(30_000, 30_400),
        ledger,
        concurrency: 32,
        phase: () => phase,
      });
      await burst.stop();
      let inFlight = 0;
      const waitStarted = performance.now();
      while (performance.now() - waitStarted < 20_000) {
        const depths = await queueDepths(stack).catch(() => undefined);
        // In flight = received by a poller and not yet deleted: a batch the workers are in the middle of.
        inFlight = depths === undefined ? 0 : depths.mainTotal;
        if (inFlight > 0) break;
        await sleep(20);
      }
      await stack.kill();
      const killedAt = performance.now();
      stack = await boot();
      const restartSeconds = (performance.now() - killedAt) / 1000;
      const afterKill = await drain('after the mid-batch kill');
      phases.killedMidBatch = {
        requests: ledger.of('mid-batch').length,
        statuses: statuses(ledger.of('mid-batch')),
        queuedOrInFlightAtKill: inFlight,
        restartSeconds: round(restartSeconds, 1),
        recoverySeconds: round((performance.now() - killedAt) / 1000, 1),
      };
      checks.push(
        check(
          'killed mid-batch: redelivered and drained',
          !afterKill.timedOut && inFlight > 0,
          `${inFlight} messages queued or in flight at the kill; restart ${round(restartSeconds)} s; drained ${phases.killedMidBatch.recoverySeconds} s after the kill`,
        ),
      );

      // 6. SIGKILL while ingesting, then a restart: every 202 is eventually stored.
      say('6. SIGKILL while ingesting, restart');
      phase = 'kill-ingest';
      traffic = pump(16, 0);
      await sleep(2500);
      // The sender stops with the kill: what was in flight is what a real sender would lose sight of.
      const killing = stack.kill();
      const killed2 = performance.now();
      await Promise.all([killing, traffic.stop()]);
      stack = await boot();
      const restart2 = (performance.now() - killed2) / 1000;
      phase = 'after-restart';
      traffic = pump();
      await sleep(2000);
      await traffic.stop();
      const afterRestart = await drain('after the restart');
      const atKill = ledger.of('kill-ingest');
      phases.killedWhileIngesting = {
        requests: atKill.length,
        statuses: statuses(atKill),
        unanswered: atKill.filter((e) => e.status === 0).length,
        restartSeconds: round(restart2, 1),
        recoverySeconds: round((performance.now() - killed2) / 1000, 1),
      };
      checks.push(
        check(
          'SIGKILL while ingesting: drained after restart',
          !afterRestart.timedOut,
          `${atKill.filter((e) => e.status === 202).length} accepted before the kill, ${atKill.filter((e) => e.status === 0).length} unanswered; restart ${round(restart2)} s`,
        ),
      );
    }

    // 7. A poison record: an oversized item already at its key makes its write fail on every receive.
    if (want('poison')) {
      say('7. poison record');
      phase = 'poison';
      const poisonConversation = 900_001;
      const poisonId = 9_000_001;
      const key = messageKey(plan.accountId, poisonConversation, poisonId);
      // What makes it poison is in the table (a corrupt 405 KB item at its key): DynamoDB refuses any
      // update that takes an item over 400 KB, and an operator can repair it; then the redrive stores it.
      await stack.dynamodb.send(
        new PutItemCommand({
          TableName: stack.tableName,
          Item: { pk: { S: key.pk }, sk: { S: key.sk }, junk: { B: randomBytes(405_000) } },
        }),
      );
      const poisonBatch: Delivery[] = Array.from({ length: 10 }, (_, k) => {
        const id = k === 0 ? poisonId : poisonId + k;
        const content = k === 0 ? randomBytes(12_000).toString('base64') : `batch-mate ${k}`;
        const payload = messagePayload({ id, at: 1_772_500_000 + k, content });
        (payload.conversation as Record<string, unknown>).id = poisonConversation;
        return {
          event: 'message_created',
          deliveryId: `poison-${seed}-${k}`,
          body: chatwootJson(payload),
          conversationId: poisonConversation,
          messageId: id,
          mentions: [id],
        };
      });
      await runConcurrently(poisonBatch.length, 10, async (index) => {
        const delivery = poisonBatch[index]!;
        ledger.record(delivery, 'poison', await sendDelivery(client, 'proof', secret, delivery));
      });
      const maxReceiveCount = routeTuning('message-created').maxReceiveCount;
      const dlqDepth = async () => (await queueDepths(stack)).dead['message-created'] ?? 0;
      const poisonSent = performance.now();
      // Polled over the wire: `mhub dlq list` on a persistent stack loses what it lists (checked below).
      // A worker that quarantines deterministic failures (their error kept with the raw event) sets
      // the poison aside at once instead of after maxReceiveCount: both keep it, and both are restorable.
      const poisonEventId = poisonBatch[0]!.deliveryId;
      let dlqAt = performance.now();
      let deadLetters = 0;
      let setAside: 'dead letter' | 'quarantine' | undefined;
      while (performance.now() - poisonSent < (maxReceiveCount * visibilitySeconds + 90) * 1000) {
        deadLetters = await dlqDepth();
        dlqAt = performance.now();
        if (deadLetters > 0) {
          setAside = 'dead letter';
          break;
        }
        if ((await storedOutcomes(stack, [poisonEventId])).get(poisonEventId) === 'quarantined') {
          setAside = 'quarantine';
          break;
        }
        await sleep(500);
      }
      const toDlqSeconds = (dlqAt - poisonSent) / 1000;
      // A quarantine sets the poison aside at its first receive, possibly before its batch-mates'
      // writes are done: wait (bounded) for them rather than sampling once.
      const storedMates = async () =>
        (await storedMessageIds(stack, plan.accountId, poisonConversation)).filter(
          (id) => typeof id === 'number' && id !== poisonId,
        );
      let matesStored = await storedMates();
      const matesDeadline = performance.now() + 60_000;
      while (matesStored.length < 9 && performance.now() < matesDeadline) {
        await sleep(500);
        matesStored = await storedMates();
      }
      checks.push(
        check(
          'poison: set aside (DLQ after maxReceiveCount, or quarantined)',
          (setAside === 'dead letter' &&
            deadLetters === 1 &&
            toDlqSeconds >= (maxReceiveCount - 1) * visibilitySeconds) ||
            setAside === 'quarantine',
          setAside === 'quarantine'
            ? `quarantined with its error after ${round(toDlqSeconds)} s (no redelivery)`
            : `${deadLetters} dead letter(s) after ${round(toDlqSeconds)} s (≥ ${maxReceiveCount - 1} × ${visibilitySeconds} s visibility: ${maxReceiveCount} receives)`,
        ),
      );
      checks.push(
        check(
          'poison: batch-mates landed',
          matesStored.length === 9,
          `${matesStored.length} of 9 batch-mates stored`,
        ),
      );
      // The repair, then the redrive (or, for a quarantined one, the replay of its raw event).
      await stack.dynamodb.send(
        new DeleteItemCommand({ TableName: stack.tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } } }),
      );
      const redriveAt = performance.now();
      const restoreArgs =
        setAside === 'quarantine'
          ? ['replay', '--event-id', poisonEventId, '--json']
          : ['dlq', 'redrive', '--queue', 'message_created', '--json'];
      let redrive = await mhub(restoreArgs, data.dir);
      const redriveRuns = [redrive.stdout.replace(/\s+/g, '')];
      // A redrive that found nothing visible yet (dead letters show up a moment after the move) runs again.
      for (
        let attempt = 0;
        attempt < 20 &&
        setAside !== 'quarantine' &&
        redrive.status === 0 &&
        /"moved":0/.test(redrive.stdout.replace(/\s+/g, ''));
        attempt++
      ) {
        await sleep(2000);
        redrive = await mhub(restoreArgs, data.dir);
        redriveRuns.push(redrive.stdout.replace(/\s+/g, ''));
      }
      figures.poisonSetAside = setAside ?? 'neither';
      figures.poisonRestoreRuns = redriveRuns;
      let restored = false;
      while (!restored && performance.now() - redriveAt < 60_000) {
        restored = (await storedMessageIds(stack, plan.accountId, poisonConversation)).includes(poisonId);
        if (!restored) await sleep(250);
      }
      phases.poison = {
        requests: poisonBatch.length,
        statuses: statuses(ledger.of('poison')),
        toDeadLetterSeconds: round(toDlqSeconds, 1),
        recoverySeconds: round((performance.now() - redriveAt) / 1000, 1),
      };
      // `mhub dlq list` must not consume what it lists: a forged dead letter, listed, still there?
      const forged = stack.queues.find((q) => q.route === 'archive')!;
      await stack.sqs.send(
        new SendMessageCommand({ QueueUrl: forged.deadLetterUrl, MessageBody: '{"forged":true}' }),
      );
      const listing = await mhub(['dlq', 'list', '--queue', 'archive', '--json'], data.dir);
      const listedCount = listing.status === 0 ? (JSON.parse(listing.stdout) as unknown[]).length : -1;
      await sleep(500);
      const afterList = (await queueDepths(stack)).dead.archive ?? 0;
      checks.push(
        check(
          'mhub dlq list keeps the dead letters it lists',
          listedCount === 1 && afterList === 1,
          `listed ${listedCount}; ${afterList} left in the DLQ after listing (fauxqs with a data dir answers MessageNotInflight to ChangeMessageVisibility right after a receive)`,
          skip,
        ),
      );
      await stack.sqs.send(new PurgeQueueCommand({ QueueUrl: forged.deadLetterUrl })).catch(() => undefined);
      checks.push(
        check(
          'poison: `mhub dlq redrive` (or `mhub replay`) restores it once fixed',
          redrive.status === 0 && restored,
          `redrive exit ${redrive.status}: ${redrive.stdout.trim().slice(0, 200)}${redrive.stderr ? ` (${redrive.stderr.trim().slice(0, 200)})` : ''}; stored ${restored ? `${phases.poison.recoverySeconds} s after the redrive` : 'never'}`,
        ),
      );
    }

    // Every event accounted for.
    phase = 'end';
    const final = await drain('at the end');
    const accepted = ledger.accepted();
    const acceptedIds = [...new Set(accepted.map((e) => e.delivery.deliveryId))];
    say(`accounting for ${ledger.entries.length} requests (${acceptedIds.length} accepted event ids)`);
    const outcomes = await storedOutcomes(stack, acceptedIds);
    const lost = acceptedIds.filter((id) => outcomes.get(id) === null);
    const sentByConversation = new Map<number, Set<number>>();
    const acceptedByConversation = new Map<number, Set<number>>();
    for (const entry of ledger.entries) {
      const { conversationId, messageId, mentions } = entry.delivery;
      if (conversationId === undefined) continue;
      const sent = sentByConversation.get(conversationId) ?? new Set<number>();
      for (const id of mentions ?? []) sent.add(id);
      sentByConversation.set(conversationId, sent);
      if (messageId === undefined || entry.status !== 202) continue;
      const accepted = acceptedByConversation.get(conversationId) ?? new Set<number>();
      accepted.add(messageId);
      acceptedByConversation.set(conversationId, accepted);
    }
    const conversations = [
      ...new Set(
        ledger.entries.flatMap((e) =>
          e.delivery.conversationId === undefined ? [] : [e.delivery.conversationId],
        ),
      ),
    ];
    let missing = 0;
    let neverSent = 0;
    const neverSentSamples: string[] = [];
    let duplicated = 0;
    await runConcurrently(conversations.length, 16, async (index) => {
      const conversationId = conversations[index]!;
      const ids = await storedMessageIds(stack, plan.accountId, conversationId);
      const have = new Set(ids);
      duplicated += ids.length - have.size;
      for (const id of acceptedByConversation.get(conversationId) ?? []) if (!have.has(id)) missing++;
      const sent = sentByConversation.get(conversationId) ?? new Set<number>();
      for (const id of have)
        if (!sent.has(id)) {
          neverSent++;
          if (neverSentSamples.length < 5) neverSentSamples.push(`${conversationId}/${id}`);
        }
      const changes = await storedStatusChanges(stack, plan.accountId, conversationId);
      duplicated += changes.length - new Set(changes.map((c) => c.event_id)).size;
    });
    const depths = await queueDepths(stack);
    const answered = ledger.entries.filter((e) => e.status !== 0);
    const other = ledger.entries.filter((e) => ![0, 202, 503].includes(e.status));
    figures.accounting = {
      requests: ledger.entries.length,
      statuses: statuses(ledger.entries),
      acceptedEventIds: acceptedIds.length,
      storedOfAccepted: acceptedIds.length - lost.length,
      unanswered: ledger.entries.length - answered.length,
      refused503: ledger.entries.filter((e) => e.status === 503).length,
      spilled: ledger.entries.filter((e) => e.spilled).length,
      dead: depths.deadTotal,
    };
    checks.push(
      check(
        'every 202 stored',
        !final.timedOut && lost.length === 0,
        `${lost.length} of ${acceptedIds.length} accepted event ids not stored${lost[0] ? ` (first: ${lost[0]})` : ''}`,
      ),
    );
    checks.push(
      check(
        'messages: accepted ⊆ stored ⊆ sent',
        missing === 0 && neverSent === 0,
        `${missing} accepted messages missing, ${neverSent} stored but never sent, over ${conversations.length} conversations${neverSentSamples.length ? ` (never sent: ${neverSentSamples.join(', ')})` : ''}`,
      ),
    );
    checks.push(
      check('0 duplicated facts', duplicated === 0, `${duplicated} duplicated messages or status changes`),
    );
    checks.push(
      check(
        'no answer but 202, 503 or none',
        other.length === 0,
        `${other.length} other answers${other[0] ? ` (first: ${other[0].status} ${JSON.stringify(other[0].body).slice(0, 200)})` : ''}`,
      ),
    );
    checks.push(
      check(
        'DLQs empty at the end',
        depths.deadTotal === 0,
        `${depths.deadTotal} dead letters ${JSON.stringify(Object.fromEntries(Object.entries(depths.dead).filter(([, n]) => n > 0)))}`,
      ),
    );
    return result('faults', checks, figures, skip);
  } finally {
    client.close();
    await stack.stop().catch(() => undefined);
    await sqsProxy.close();
    await dynamoProxy.close();
    data.remove();
  }
};

runAsScript(import.meta.url, () => runFaults());
