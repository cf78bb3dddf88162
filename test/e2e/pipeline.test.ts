import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters, redriveDeadLetters } from '#cli/commands/dlq.ts';
import { listEvents } from '#cli/commands/events.ts';
import { replay } from '#cli/commands/replay.ts';
import { memoryIo } from '#cli/io.ts';
import { resolveTarget } from '#cli/target.ts';
import { contactView } from '#cli/views/contact.ts';
import { conversationView } from '#cli/views/conversation.ts';
import { story } from '#fixtures/payloads.ts';
import { type LocalStack, startLocalStack } from '#infra/local/stack.ts';
import { readStackState, repoRoot } from '#infra/local/state.ts';
import { routeTuning } from '#infra/queues.ts';
import { chatwootJson } from '#lib/events/chatwoot-json.ts';
import { deliveryHeader, signedHeaders } from '#lib/signing.ts';
import { run } from '#test/support/run.ts';
import {
  buildStory,
  type Delivery,
  expectedConversation,
  expectedMessages,
  expectedStatusChanges,
} from './story.ts';

/**
 * The whole pipeline through HTTP, on a stack started exactly as `npm start` starts it (in memory,
 * random port, short visibility timeout so the DLQ path runs in seconds).
 */

const VISIBILITY_SECONDS = 2;
let stack: LocalStack;
let dataDir: string;
const deliveries = buildStory();
/** Each delivery keeps its signing time, so a resend is the same attempt arriving again. */
const baseSeconds = Math.floor(Date.now() / 1000);
const timestamps = new Map(deliveries.map((delivery, index) => [delivery.deliveryId, baseSeconds + index]));

const post = async (
  delivery: Delivery,
): Promise<{ status: number; body: { status?: string; event?: string } }> => {
  const secret = stack.sources[0]!.secrets[0]!;
  const raw = chatwootJson(delivery.payload);
  const response = await fetch(`${stack.endpoint}/webhooks/${stack.sources[0]!.name}`, {
    method: 'POST',
    headers: {
      ...signedHeaders(secret, raw, timestamps.get(delivery.deliveryId)),
      [deliveryHeader]: delivery.deliveryId,
      'user-agent': 'Ruby',
    },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as { status?: string } };
};

const sendAll = async (list: Delivery[]): Promise<void> => {
  for (const delivery of list) {
    const response = await post(delivery);
    expect(response.status, `${delivery.label}: ${JSON.stringify(response.body)}`).toBe(202);
    expect(['accepted', 'archived'], delivery.label).toContain(response.body.status);
  }
};

const snapshot = async () => {
  const store = { dynamodb: stack.dynamodb, tableName: stack.tableName };
  const events = await listEvents(store, { limit: 1000 });
  return {
    conversation: await conversationView(store, story.accountId, story.conversationId),
    contact: await contactView(store, story.accountId, story.contactId),
    events: events.map((event) => `${event.event_id} ${event.event} ${event.outcome}`).sort(),
  };
};

/** Deterministic shuffle (mulberry32), so a failure can be replayed from its seed. */
const shuffled = <T>(items: readonly T[], seed: number): T[] => {
  let state = seed;
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
};

/** Runs `npx mhub` as a user would. Asynchronous: this process serves the stack's HTTP endpoint. */
const mhub = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run('npx', ['mhub', ...args], { cwd: repoRoot, env: { ...process.env, MHUB_DATA_DIR: dataDir, ...env } });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mhub-e2e-'));
  stack = await startLocalStack({
    port: 0,
    inMemory: true,
    dataDir,
    quiet: true,
    visibilityTimeoutSeconds: VISIBILITY_SECONDS,
    pollWaitSeconds: 1,
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('end to end through HTTP on the local stack', () => {
  it('serves health and a JSON 404 elsewhere', async () => {
    const health = await fetch(`${stack.endpoint}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ queue: 'ok', store: 'ok' });
    const missing = await fetch(`${stack.endpoint}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
    expect(stack.unpolledRoutes).toEqual([]);
  });

  it('stores the story of 27 signed deliveries as the sender meant it', async () => {
    expect(deliveries.length).toBeGreaterThanOrEqual(25);
    await sendAll(deliveries);
    await stack.waitForIdle({ timeoutMs: 60_000 });

    const view = await conversationView(
      { dynamodb: stack.dynamodb, tableName: stack.tableName },
      story.accountId,
      story.conversationId,
    );
    expect(view).not.toBeNull();
    expect(view!.conversation).toMatchObject(expectedConversation);
    expect(
      view!.messages.map((m) => ({
        id: m.id,
        message_type: m.message_type,
        private: m.private,
        deleted: m.deleted,
        sender_type: m.sender_type,
        sender_id: m.sender_id,
        attachments: m.attachments.length,
        ...(m.deleted ? {} : { content: m.content }),
        ...(m.status === 'read' ? { status: m.status } : {}),
      })),
    ).toEqual(expectedMessages);
    for (const message of view!.messages)
      expect(message.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(view!.status_history.map((change) => [change.from, change.to])).toEqual(expectedStatusChanges);
    for (const change of view!.status_history) expect(change.event_id).toMatch(/^[0-9a-f-]{36}$/);

    const contact = await contactView(
      { dynamodb: stack.dynamodb, tableName: stack.tableName },
      story.accountId,
      story.contactId,
    );
    expect(contact!.contact).toMatchObject({
      id: story.contactId,
      name: story.contactName,
      email: story.contactEmail,
      phone_number: story.contactPhone,
      identifier: '00123',
    });
    expect(contact!.conversations.map((c) => c.id)).toEqual([story.conversationId]);
    expect(contact!.widget_visits).toHaveLength(2);

    const events = (await snapshot()).events;
    expect(events).toHaveLength(deliveries.length);
    expect(events.filter((line) => line.includes('conversation_typing_'))).toHaveLength(3);
  });

  it('reaches the identical state when the story arrives again shuffled, with duplicates', async () => {
    const before = await snapshot();
    const seed = 20261125;
    const again = shuffled([...deliveries, ...deliveries.filter((_, index) => index % 3 === 0)], seed);
    await sendAll(again);
    await stack.waitForIdle({ timeoutMs: 60_000 });
    expect(await snapshot(), `shuffle seed ${seed}`).toEqual(before);
  });

  it('replays the archive (`mhub replay --account --since`) without changing anything', async () => {
    const before = await snapshot();
    const target = resolveTarget({ env: { ...process.env, MHUB_DATA_DIR: dataDir } });
    try {
      const replayed = await replay(
        target,
        { accountId: story.accountId, since: '2000-01-01T00:00:00.000Z', limit: 1000 },
        memoryIo(),
      );
      expect(replayed.length).toBeGreaterThanOrEqual(20);
      expect(new Set(replayed.map((event) => event.route))).toContain('message-created');
      const one = await replay(target, { eventId: deliveries[0]!.deliveryId, limit: 1 }, memoryIo());
      expect(one).toEqual([
        { event_id: deliveries[0]!.deliveryId, event: 'contact_created', route: 'contact-created' },
      ]);
    } finally {
      target.close();
    }
    await stack.waitForIdle({ timeoutMs: 60_000 });
    expect(await snapshot()).toEqual(before);
  });

  it('prints the same conversation through `npx mhub`, and fails in one line with exit 1', async () => {
    const [ok, missing, badArgs, notRunning, sent] = await Promise.all([
      mhub(['conversation', String(story.accountId), String(story.conversationId), '--json']),
      mhub(['conversation', '1', '999']),
      mhub(['conversation', 'one', '7']),
      mhub(['events'], { MHUB_DATA_DIR: join(dataDir, 'elsewhere') }),
      mhub(['send', join(repoRoot, 'test/e2e/fixtures/typing.json'), '--source', stack.sources[0]!.name]),
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const printed = JSON.parse(ok.stdout);
    expect(Object.keys(printed)).toEqual(['conversation', 'messages', 'status_history', 'names']);
    expect(printed.names.assignee).toEqual(expect.any(String));
    expect(printed.conversation).toMatchObject(expectedConversation);
    expect(printed.messages).toHaveLength(expectedMessages.length);
    expect(Object.keys(printed.messages[0])).toEqual(
      expect.arrayContaining([
        'id',
        'message_type',
        'private',
        'content',
        'content_type',
        'content_attributes',
        'deleted',
        'status',
        'sender_type',
        'sender_id',
        'attachments',
        'source_id',
        'created_at',
      ]),
    );

    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe('mhub: conversation 999 of account 1 not found\n');

    expect(badArgs.status).toBe(1);
    expect(badArgs.stderr.trim().split('\n')).toHaveLength(1);

    expect(notRunning.status).toBe(1);
    expect(notRunning.stderr).toMatch(
      /^mhub: the local stack is not running: start it with `npm start`.*\n$/,
    );

    expect(sent.stderr).toBe('');
    expect(sent.status).toBe(0);
    expect(sent.stdout).toMatch(/^202 Accepted\n\{"status":"archived"/);
  }, 60_000);

  it('moves a poison message to the DLQ after maxReceiveCount, and `dlq redrive` brings it back', async () => {
    const queue = stack.queues.find((q) => q.route === 'message-created')!;
    // Forged straight into the queue: no envelope attributes, so the worker can never process it.
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"poison":true}' }));
    const target = resolveTarget({ env: { ...process.env, MHUB_DATA_DIR: dataDir } });
    try {
      const deadline = Date.now() + 60_000;
      let listed = await listDeadLetters(target, { queue: 'message_created' });
      while (listed.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        listed = await listDeadLetters(target, { queue: 'message_created' });
      }
      expect(listed, JSON.stringify(listed)).toHaveLength(1);
      expect(listed[0]).toMatchObject({
        queue: 'message-created',
      });
      // Each of the main queue's receives counts (listing the DLQ adds its own).
      expect(listed[0]!.receive_count).toBeGreaterThanOrEqual(routeTuning('message-created').maxReceiveCount);
      const receivedBefore = stack.pollerStats()['message-created']!.received;

      const io = memoryIo();
      const results = await redriveDeadLetters(target, { queue: 'message_created' }, io);
      expect(results).toEqual([{ queue: 'message-created', moved: 1, failed: 0 }]);
      expect(await listDeadLetters(target, { queue: 'message_created' })).toEqual([]);
      // Back on its queue, where the worker sees it again.
      while (stack.pollerStats()['message-created']!.received === receivedBefore && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(stack.pollerStats()['message-created']!.received).toBeGreaterThan(receivedBefore);
      const depth = await stack.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(
        Number(depth.Attributes?.ApproximateNumberOfMessages) +
          Number(depth.Attributes?.ApproximateNumberOfMessagesNotVisible),
      ).toBe(1);
    } finally {
      target.close();
    }
  }, 90_000);

  it('stops every child process and removes its stack.json', async () => {
    const pid = stack.dynamoPid;
    expect(pid).toBeGreaterThan(0);
    expect(readStackState(dataDir)?.pid).toBe(process.pid);
    await stack.stop();
    expect(() => process.kill(pid!, 0)).toThrow();
    expect(readStackState(dataDir)).toBeUndefined();
    const after = await fetch(`${stack.endpoint}/health`).catch((error: unknown) => error);
    expect(after).toBeInstanceOf(Error);
  });
});
