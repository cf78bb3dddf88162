import { rssSampler, startChildStack } from './lib/child-stack.ts';
import { fieldTargets, generateCase, type HostileCase } from './lib/hostile-cases.ts';
import { httpClient, runConcurrently, sleep } from './lib/http.ts';
import { progress, randomSecret, result, runAsScript, type SuiteResult, tempDir } from './lib/run.ts';
import { check, envInt, latencySummary, round } from './lib/stats.ts';
import { queueDepths, storedOutcomes, waitForDrain } from './lib/store-checks.ts';
import { prng } from './lib/traffic.ts';

/**
 * `npm run test:hostile`: HOSTILE_REQUESTS (default 10 000) generated requests, seeded (HOSTILE_SEED
 * replays one), against the stack `npm start` runs: random bytes and truncated JSON, deep nesting
 * and multi-MB strings, `__proto__`/`constructor` at every level, a wrong type in every field of
 * every handled event and numbers JavaScript cannot hold, content types, duplicated and oversized
 * headers, signature and timestamp edge cases, methods and paths. Pass: 0 5xx, a JSON body with a
 * precise code for every answer, each 202 stored or quarantined after the drain, RSS bounded,
 * `/health` 200 throughout.
 */

export interface HostileOptions {
  requests?: number;
  seed?: number;
  concurrency?: number;
  rssLimitMb?: number;
  quiet?: boolean;
  skip?: readonly string[];
}

const ACCEPTED = new Set(['accepted', 'quarantined', 'archived']);

/** What a correct answer looks like: JSON, and a status with a code (or an accepted event id). */
const answerProblem = (
  c: HostileCase,
  status: number,
  contentType: string | undefined,
  json: unknown,
): string | undefined => {
  if (status === 0) return 'no answer';
  if (c.noBody) return undefined;
  if (!contentType?.startsWith('application/json')) return `content-type ${contentType}`;
  if (typeof json !== 'object' || json === null) return 'body is not a JSON object';
  const body = json as { status?: unknown; id?: unknown; error?: { code?: unknown } };
  if (status >= 200 && status < 300)
    return ACCEPTED.has(String(body.status)) && typeof body.id === 'string' && body.id !== ''
      ? undefined
      : `2xx body ${JSON.stringify(body).slice(0, 120)}`;
  return typeof body.error?.code === 'string' && /^[a-z_]{3,}$/.test(body.error.code)
    ? undefined
    : `no precise error code: ${JSON.stringify(body).slice(0, 120)}`;
};

export const runHostile = async (
  options: HostileOptions = {},
): Promise<SuiteResult<Record<string, unknown>>> => {
  const requests = options.requests ?? envInt('HOSTILE_REQUESTS', 10_000);
  const seed = options.seed ?? envInt('HOSTILE_SEED', Date.now() % 2 ** 31);
  const concurrency = options.concurrency ?? envInt('HOSTILE_CONCURRENCY', 8);
  const rssLimitMb = options.rssLimitMb ?? envInt('HOSTILE_RSS_LIMIT_MB', 1536);
  const skip = options.skip ?? (process.env.PROOF_SKIP ?? '').split(',').filter(Boolean);
  const say = progress('hostile', options.quiet);
  say(
    `seed ${seed} (HOSTILE_SEED=${seed} replays this run), ${requests} requests, concurrency ${concurrency}`,
  );
  const data = tempDir('mhub-proof-hostile-');
  const ctx = { source: 'proof', secret: randomSecret(), tokenSource: 'legacy', token: randomSecret() };
  const stack = await startChildStack({
    port: 0,
    inMemory: true,
    dataDir: data.dir,
    secrets: {
      [ctx.source]: ctx.secret,
      [ctx.tokenSource]: { secrets: [randomSecret()], token: ctx.token, accountId: 1 },
    },
    // Records the workers cannot store come back soon and reach the DLQ within the drain; the
    // worker timeout stays under the visibility timeout, as AWS requires.
    visibilityTimeoutSeconds: 12,
    workerTimeoutSeconds: 10,
    pollWaitSeconds: 1,
  });
  const rss = rssSampler(() => ({ node: stack.pid, java: stack.dynamoPid }));
  const client = httpClient(stack.endpoint, { maxSockets: concurrency, timeoutMs: 15_000 });
  const healthClient = httpClient(stack.endpoint, { maxSockets: 1, timeoutMs: 5000 });
  const health = { checks: 0, failures: [] as string[] };
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const answer = await healthClient.send({ method: 'GET', path: '/health' });
      health.checks += 1;
      if (answer.status !== 200 && health.failures.length < 10)
        health.failures.push(`${answer.status} ${answer.text.slice(0, 120)}${answer.error ?? ''}`);
      await sleep(500);
    }
  })();
  try {
    const random = prng(seed);
    const byCategory: Record<string, { requests: number; statuses: Record<string, number> }> = {};
    const fiveXx: string[] = [];
    const unexpected: string[] = [];
    const malformed: string[] = [];
    const accepted = new Map<string, string>();
    const latencies: number[] = [];
    const codes: Record<string, number> = {};
    let done = 0;
    const started = performance.now();
    await runConcurrently(requests, concurrency, async (index) => {
      const c = generateCase(index, random, ctx);
      const answer = await client.send(c.spec);
      latencies.push(answer.ms);
      byCategory[c.category] ??= { requests: 0, statuses: {} };
      const stats = byCategory[c.category]!;
      stats.requests += 1;
      stats.statuses[answer.status] = (stats.statuses[answer.status] ?? 0) + 1;
      const contentType = answer.headers['content-type'];
      const where = `#${index} ${c.category} / ${c.label} → ${answer.status}`;
      if (answer.status >= 500) fiveXx.push(`${where} ${answer.text.slice(0, 160)}`);
      if (!c.expect.includes(answer.status))
        unexpected.push(
          `${where} (expected ${c.expect.join('|')}) ${answer.text.slice(0, 160)}${answer.error ?? ''}`,
        );
      const problem = answerProblem(
        c,
        answer.status,
        typeof contentType === 'string' ? contentType : undefined,
        answer.json,
      );
      if (problem !== undefined) malformed.push(`${where}: ${problem}`);
      const code =
        (answer.json as { error?: { code?: string }; status?: string } | undefined)?.error?.code ??
        (answer.json as { status?: string } | undefined)?.status ??
        String(answer.status);
      codes[`${answer.status} ${code}`] = (codes[`${answer.status} ${code}`] ?? 0) + 1;
      const id = (answer.json as { id?: unknown } | undefined)?.id;
      if (answer.status === 202 && typeof id === 'string') accepted.set(id, `${c.category} / ${c.label}`);
      done += 1;
      if (done % 2000 === 0) say(`${done}/${requests} answered`);
    });
    const sendSeconds = (performance.now() - started) / 1000;
    say(`sent ${requests} in ${round(sendSeconds)} s; draining ${accepted.size} accepted events`);
    const drain = await waitForDrain(stack, { timeoutMs: 180_000 });
    probing = false;
    await prober;
    const rssPeak = rss.stop();
    const outcomes = await storedOutcomes(stack, [...accepted.keys()]);
    const notStored = [...accepted]
      .filter(([id]) => outcomes.get(id) === null)
      .map(([id, what]) => `${id.slice(0, 16)}… ${what}`);
    const outcomeCounts: Record<string, number> = {};
    for (const outcome of outcomes.values())
      outcomeCounts[String(outcome)] = (outcomeCounts[String(outcome)] ?? 0) + 1;
    const depths = await queueDepths(stack);
    const sample = (list: string[]) => (list.length ? `: ${list.slice(0, 4).join(' | ')}` : '');
    const checks = [
      check('0 5xx', fiveXx.length === 0, `${fiveXx.length} of ${requests}${sample(fiveXx)}`, skip),
      check(
        'answers as expected',
        unexpected.length === 0,
        `${unexpected.length} of ${requests} outside the expected statuses${sample(unexpected)}`,
        skip,
      ),
      check(
        'JSON body with a precise code',
        malformed.length === 0,
        `${malformed.length} of ${requests}${sample(malformed)}`,
        skip,
      ),
      check(
        'drained',
        !drain.timedOut,
        drain.timedOut
          ? `still queued ${drain.left.queued}, spilled ${drain.left.spilled}`
          : `in ${round(drain.ms / 1000)} s`,
        skip,
      ),
      check(
        'each 202 stored or quarantined',
        notStored.length === 0,
        `${notStored.length} of ${accepted.size} accepted events not in the store${sample(notStored)}`,
        skip,
      ),
      check(
        'nothing dead-lettered',
        depths.deadTotal === 0,
        `${depths.deadTotal} in the DLQs ${JSON.stringify(Object.fromEntries(Object.entries(depths.dead).filter(([, n]) => n > 0)))}`,
        skip,
      ),
      check(
        'RSS bounded',
        rssPeak.nodeMb < rssLimitMb,
        `stack peak ${round(rssPeak.nodeMb)} MiB (limit ${rssLimitMb}), DynamoDB Local ${round(rssPeak.javaMb)} MiB`,
        skip,
      ),
      check(
        '/health 200 throughout',
        health.failures.length === 0 && health.checks > 0,
        `${health.checks} probes, ${health.failures.length} not 200${sample(health.failures)}`,
        skip,
      ),
    ];
    const figures = {
      seed,
      replay: `HOSTILE_SEED=${seed} HOSTILE_REQUESTS=${requests} npm run test:hostile`,
      requests,
      concurrency,
      byCategory,
      answers: codes,
      acceptedEvents: accepted.size,
      storedOutcomes: outcomeCounts,
      wrongTypeFieldTargets: fieldTargets.length,
      latencyMs: latencySummary(latencies),
      sendSeconds: round(sendSeconds, 1),
      drainSeconds: round(drain.ms / 1000, 1),
      peakRssMb: { stackNode: round(rssPeak.nodeMb), dynamoDbLocalJvm: round(rssPeak.javaMb) },
      healthProbes: health.checks,
    };
    return result('hostile', checks, figures, skip);
  } finally {
    probing = false;
    client.close();
    healthClient.close();
    rss.stop();
    await stack.stop();
    data.remove();
  }
};

runAsScript(import.meta.url, () => runHostile());
