import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { story as fixture } from '#fixtures/payloads.ts';
import { conversationStory } from '#fixtures/worker-story.ts';
import { watermarkWrite } from '#lib/store/watermark.ts';
import { executeWrites } from '#lib/store/write.ts';
import {
  apiStateAfter,
  type ChatwootApiDouble,
  type Json,
  startChatwootApiDouble,
} from '#test/doubles/chatwoot-api.ts';
import { freshStack } from '#test/support/stack.ts';
import { deliverAll, iso, workersFor } from '#test/workers/support.ts';

/** functions/reconciler/handler.ts as Lambda runs it: env config, DynamoDB Local, the API double, EMF out. */

let double: ChatwootApiDouble;
beforeAll(async () => {
  double = await startChatwootApiDouble(
    apiStateAfter(
      1,
      conversationStory().map((e) => JSON.parse(e.rawBody) as Json),
    ),
  );
});
afterAll(() => double?.close());
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('functions/reconciler/handler.ts', () => {
  it('repairs a dropped webhook and publishes Repaired in EMF', async () => {
    const stack = await freshStack();
    const story = conversationStory();
    await deliverAll(
      workersFor(stack.dynamodb, stack.tableName),
      story.filter((e) => e.eventId !== 'story-17'),
    );
    await executeWrites({ dynamodb: stack.dynamodb, tableName: stack.tableName }, [
      watermarkWrite(1, iso(fixture.t0 - 60)),
    ]);
    for (const [name, value] of Object.entries({
      TABLE_NAME: stack.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_METRICS_DISABLED: 'false',
      WEBHOOK_SECRETS: JSON.stringify({
        acme: { secrets: ['s3cret'], api: { url: double.url, token: double.token, accountId: 1 } },
      }),
    }))
      vi.stubEnv(name, value);
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    vi.resetModules();
    const { handler } = await import('#functions/reconciler/handler.ts');

    const result = await handler({} as ScheduledEvent, { getRemainingTimeInMillis: () => 60_000 } as Context);

    vi.restoreAllMocks();
    expect(result).toMatchObject([{ source: 'acme', repaired: 1, conversations: 1 }]);
    const emf = lines
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf.some((entry) => entry.Repaired === 1)).toBe(true);
    expect(lines.join('')).not.toContain(double.token);
  });
});
