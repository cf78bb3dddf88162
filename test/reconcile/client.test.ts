import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '#lib/errors.ts';
import { parseSources } from '#lib/ingest/sources.ts';
import { ApiToken, apiConfigOf, parseApiSources } from '#lib/reconcile/api-config.ts';
import {
  ChatwootApiError,
  chatwootClient,
  RunBudgetExceededError,
  retryAfterMs,
} from '#lib/reconcile/client.ts';
import { type ChatwootApiDouble, startChatwootApiDouble } from '#test/doubles/chatwoot-api.ts';

const TOKEN = 'tok-SECRET-9f8e7d6c5b4a';
const secrets = (api: unknown) => JSON.stringify({ acme: { secrets: ['s3cret'], api } });

describe('API access in the secrets JSON', () => {
  it('is read next to the webhook secrets, which still parse', () => {
    const json = secrets({ url: 'https://chat.example.com/', token: TOKEN, accountId: 3 });
    expect(parseSources(json).get('acme')?.secrets).toEqual(['s3cret']);
    const config = apiConfigOf(json, 'acme');
    expect(config).toMatchObject({ url: 'https://chat.example.com', accountId: 3 });
    expect(config.token.reveal()).toBe(TOKEN);
  });

  it('never prints the token: not in JSON, String(), inspect, nor in errors', () => {
    const config = apiConfigOf(
      secrets({ url: 'https://chat.example.com', token: TOKEN, accountId: 1 }),
      'acme',
    );
    for (const text of [
      JSON.stringify(config),
      String(config.token),
      inspect(config, { depth: 5 }),
      `${config.token}`,
    ])
      expect(text).not.toContain(TOKEN);
    let message = '';
    try {
      parseApiSources(secrets({ url: 'ftp://x', token: TOKEN, accountId: 0, extra: TOKEN }));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('acme.api.url');
    expect(message).toContain('acme.api.accountId');
    expect(message).toContain('acme.api.extra: unknown key');
    expect(message).not.toContain(TOKEN);
  });

  it('names a source without API access', () => {
    expect(() => apiConfigOf(JSON.stringify({ acme: 's3cret' }), 'acme')).toThrow(
      /"acme" has no "api" entry/,
    );
    expect(() => parseApiSources(secrets({ url: 'https://x.example', token: '', accountId: 1 }))).toThrow(
      /acme.api.token/,
    );
  });
});

describe('the client against the double', () => {
  let double: ChatwootApiDouble;
  const conversation = { id: 7, status: 'open', last_activity_at: 100, meta: { sender: { id: 1 } } };
  beforeAll(async () => {
    double = await startChatwootApiDouble({
      accountId: 1,
      conversations: [conversation],
      messages: new Map([[7, Array.from({ length: 130 }, (_, i) => ({ id: 1000 + i, message_type: 0 }))]]),
    });
  });
  afterAll(() => double?.close());

  const client = (o: Partial<Parameters<typeof chatwootClient>[0]> = {}) => {
    const waits: number[] = [];
    const c = chatwootClient({
      config: { url: double.url, token: new ApiToken(double.token), accountId: 1 },
      fetch: (input, init) => fetch(input, init),
      baseBackoffMs: 1,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...o,
    });
    return { c, waits };
  };

  it('pages messages with after (100 at most, oldest first)', async () => {
    const { c } = client();
    const first = await c.messagesAfter(7, 0);
    expect(first.map((m) => (m as { id: number }).id)).toEqual(
      Array.from({ length: 100 }, (_, i) => 1000 + i),
    );
    const second = await c.messagesAfter(7, 1099);
    expect(second).toHaveLength(30);
    expect(await c.messagesAfter(7, 1129)).toEqual([]);
  });

  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    double.faults.push({ status: 429, retryAfter: '3' });
    const { c, waits } = client();
    expect(await c.conversationsPage(1)).toHaveLength(1);
    expect(waits).toEqual([3000]);
    expect(c.requests).toBe(2);
  });

  it('backs off on 5xx and gives up after maxAttempts with the status', async () => {
    double.faults.push({ status: 503 }, { status: 502 });
    const { c, waits } = client();
    expect(await c.conversationsPage(1)).toHaveLength(1);
    expect(waits).toHaveLength(2);
    expect(waits[1]!).toBeGreaterThanOrEqual(waits[0]! / 2);
    double.faults.push({ status: 500 }, { status: 500 }, { status: 500 });
    const failing = client({ maxAttempts: 3 }).c;
    await expect(failing.conversationsPage(1)).rejects.toMatchObject({
      name: 'ChatwootApiError',
      status: 500,
    });
  });

  it('stops the run when a Retry-After outlasts its budget, without sleeping', async () => {
    double.faults.push({ status: 429, retryAfter: '30' });
    let now = 1_000_000;
    const { c, waits } = client({ now: () => now, deadline: now + 10_000 });
    await expect(c.conversationsPage(1)).rejects.toBeInstanceOf(RunBudgetExceededError);
    expect(waits).toEqual([]);
    now += 20_000;
    await expect(c.conversationsPage(1)).rejects.toBeInstanceOf(RunBudgetExceededError);
  });

  it('bounds each request: a server that never answers times out, and is retried', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const c = chatwootClient({
        config: { url: `http://127.0.0.1:${port}`, token: new ApiToken(TOKEN), accountId: 1 },
        fetch: (input, init) => fetch(input, init),
        requestTimeoutMs: 200,
        maxAttempts: 2,
        baseBackoffMs: 1,
      });
      const error = await c.conversationsPage(1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChatwootApiError);
      expect(c.requests).toBe(2);
      expect(String((error as Error).message)).not.toContain(TOKEN);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('sends the token only as the api_access_token header; a wrong one is a 401', async () => {
    const wrong = chatwootClient({
      config: { url: double.url, token: new ApiToken(TOKEN), accountId: 1 },
      fetch: (input, init) => fetch(input, init),
    });
    const error = await wrong.conversationsPage(1).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401 });
    expect((error as Error).message).toMatch(/check the api token/);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(double.requests.some((r) => r.includes(TOKEN))).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('7', 0)).toBe(7000);
    expect(retryAfterMs(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(retryAfterMs(null, 0)).toBeNull();
  });
});
