import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '#cli/io.ts';
import { main } from '#cli/main.ts';
import { conversationStory, storyExpectations as x } from '#fixtures/worker-story.ts';
import { type LocalStack, startLocalStack } from '#infra/local/stack.ts';
import { getConversation } from '#lib/store/conversation.ts';
import { listMessages } from '#lib/store/message.ts';
import {
  apiStateAfter,
  type ChatwootApiDouble,
  type Json,
  startChatwootApiDouble,
} from '#test/doubles/chatwoot-api.ts';

/** `mhub backfill` on the real local stack (in memory), from the Chatwoot API double. */

let stack: LocalStack;
let double: ChatwootApiDouble;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mhub-backfill-'));
  double = await startChatwootApiDouble(
    apiStateAfter(
      1,
      conversationStory().map((e) => JSON.parse(e.rawBody) as Json),
    ),
  );
  stack = await startLocalStack({ port: 0, inMemory: true, dataDir, quiet: true, pollWaitSeconds: 1 });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await double?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const mhub = async (args: string[], secrets: unknown) => {
  const io = memoryIo({ ...process.env, MHUB_DATA_DIR: dataDir, WEBHOOK_SECRETS: JSON.stringify(secrets) });
  const code = await main([...args, '--port', String(stack.port)], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
};

describe('mhub backfill', () => {
  it('pulls the story into the store, with progress and a summary, and never prints the token', async () => {
    double.faults.push({ status: 429, retryAfter: '1', pathIncludes: '/messages' });
    const secrets = {
      acme: { secrets: ['s3cret'], api: { url: double.url, token: double.token, accountId: 1 } },
    };
    const result = await mhub(['backfill', '--source', 'acme', '--json'], secrets);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      conversations: 1,
      messages: 7,
      contacts: 1,
      skipped: 0,
    });
    expect(result.stderr).toContain('429 on /conversations/7/messages: retrying in 1 s');
    expect(result.stderr).toContain('conversation 7: 7 message(s)');
    expect(`${result.stdout}${result.stderr}`).not.toContain(double.token);
    const store = { dynamodb: stack.dynamodb, tableName: stack.tableName };
    expect((await getConversation(store, { accountId: 1, conversationId: 7 }))?.status).toBe(x.finalStatus);
    const ids = (await listMessages(store, { accountId: 1, conversationId: 7 })).map((m) => m.id);
    expect(ids).toEqual(x.messageIds);
    const human = await mhub(['backfill', '--source', 'acme', '--conversation', '7'], secrets);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/conversations\s+1\nmessages\s+7\ncontacts\s+1/);
  });

  it('names what is missing, in one line, without the token', async () => {
    const none = await mhub(['backfill', '--source', 'acme'], { acme: 's3cret' });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/"acme" has no "api" entry/);
    const bad = await mhub(['backfill', '--source', 'acme'], {
      acme: { secrets: ['s'], api: { url: double.url, token: 'not-the-token-123', accountId: 1 } },
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/401 \(check the api token\)/);
    expect(bad.stderr).not.toContain('not-the-token-123');
  });
});
