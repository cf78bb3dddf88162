import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isRetryableError, type RetryClock, withRetry } from '#lib/delivery/retry.ts';
import { ConfigError } from '#lib/errors.ts';
import { fetchParameterViaExtension, readIngestSettings } from '#lib/ingest/settings.ts';
import { parseSources } from '#lib/ingest/sources.ts';

describe('WEBHOOK_SECRETS', () => {
  it('reads the three forms', () => {
    const sources = parseSources(
      JSON.stringify({
        one: 's3cret',
        rotating: ['new', 'old'],
        full: { secrets: ['a'], token: 'tok-0123456789abcdef', accountId: 3 },
        tokenOnly: { token: ['tok-0123456789abcdef', 'tok-fedcba9876543210'] },
        alias: { secret: 'x' },
      }),
    );
    expect(Object.fromEntries(sources)).toEqual({
      one: { secrets: ['s3cret'], tokens: [], accountId: null },
      rotating: { secrets: ['new', 'old'], tokens: [], accountId: null },
      full: { secrets: ['a'], tokens: ['tok-0123456789abcdef'], accountId: 3 },
      tokenOnly: { secrets: [], tokens: ['tok-0123456789abcdef', 'tok-fedcba9876543210'], accountId: null },
      alias: { secrets: ['x'], tokens: [], accountId: null },
    });
  });

  it('refuses broken configurations with a ConfigError that never echoes a secret', () => {
    const bad = [
      '{',
      '[]',
      '{}',
      '{"acme":""}',
      '{"acme":[]}',
      '{"acme":{}}',
      '{"acme":{"token":"short"}}',
      '{"acme":{"secrets":["x"],"accountId":"1"}}',
      '{"acme":{"secrets":["x"],"tokne":"tok-0123456789abcdef"}}',
      '{"bad name":"x"}',
      '{"acme":42}',
    ];
    for (const json of bad) {
      expect(() => parseSources(json), json).toThrow(ConfigError);
    }
    try {
      parseSources('{"acme":{"token":"short-secret"}}');
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret');
    }
  });
});

describe('ingest settings', () => {
  const base = {
    QUEUE_URL_PREFIX: 'http://localhost:1/000/mh-t-',
    TABLE_NAME: 'mh-t',
    WEBHOOK_SECRETS: '{"a":"b"}',
  };

  it('applies defaults and reads overrides', () => {
    expect(readIngestSettings(base)).toMatchObject({
      gzipThresholdBytes: 65536,
      maxBodyBytes: 4 * 1024 * 1024,
      sqsRetryBudgetMs: 1200,
      spilloverTimeoutMs: 1200,
      secretsTtlMs: 300_000,
      secrets: { from: 'env', json: '{"a":"b"}' },
    });
    expect(readIngestSettings({ ...base, WEBHOOK_SECRETS_TTL_MS: '250' }).secretsTtlMs).toBe(250);
    expect(
      readIngestSettings({
        ...base,
        WEBHOOK_SECRETS: '',
        WEBHOOK_SECRETS_PARAMETER: '/mh/prod/secrets',
        MAX_BODY_BYTES: '1000',
      }),
    ).toMatchObject({ maxBodyBytes: 1000, secrets: { from: 'parameter', name: '/mh/prod/secrets' } });
  });

  it('fails loudly on missing or out-of-range settings', () => {
    expect(() => readIngestSettings({ ...base, QUEUE_URL_PREFIX: undefined })).toThrow(/QUEUE_URL_PREFIX/);
    expect(() => readIngestSettings({ ...base, WEBHOOK_SECRETS: undefined })).toThrow(/WEBHOOK_SECRETS/);
    expect(() => readIngestSettings({ ...base, WEBHOOK_SECRETS_PARAMETER: 'x' })).toThrow(/not both/);
    expect(() => readIngestSettings({ ...base, MAX_BODY_BYTES: '10000000' })).toThrow(/MAX_BODY_BYTES/);
    expect(() => readIngestSettings({ ...base, SQS_RETRY_BUDGET_MS: '4000' })).toThrow(/SQS_RETRY_BUDGET_MS/);
    expect(() => readIngestSettings({ ...base, WEBHOOK_SECRETS_TTL_MS: '5m' })).toThrow(
      /WEBHOOK_SECRETS_TTL_MS/,
    );
    expect(() => readIngestSettings({ ...base, WEBHOOK_SECRETS_TTL_MS: '-1' })).toThrow(
      /WEBHOOK_SECRETS_TTL_MS/,
    );
    // Each budget within its range, but together past the 3.5 s answer bound.
    expect(() =>
      readIngestSettings({ ...base, SQS_RETRY_BUDGET_MS: '2000', SPILLOVER_TIMEOUT_MS: '1500' }),
    ).toThrow(/answer bound/);
    expect(
      readIngestSettings({ ...base, SQS_RETRY_BUDGET_MS: '1500', SPILLOVER_TIMEOUT_MS: '1000' }),
    ).toMatchObject({ sqsRetryBudgetMs: 1500, spilloverTimeoutMs: 1000 });
    expect(() => readIngestSettings({ ...base, GZIP_THRESHOLD_BYTES: 'lots' })).toThrow(
      /GZIP_THRESHOLD_BYTES/,
    );
  });
});

describe('SSM through the Parameters and Secrets extension', () => {
  const withExtension = async (
    answer: (request: IncomingMessage) => [number, string],
    run: (port: number) => Promise<void>,
  ): Promise<IncomingMessage[]> => {
    const seen: IncomingMessage[] = [];
    const server = createServer((request, response) => {
      seen.push(request);
      const [status, body] = answer(request);
      response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await run((server.address() as AddressInfo).port);
    } finally {
      server.close();
    }
    return seen;
  };

  it('reads the decrypted value with the session token, retrying while the extension starts', async () => {
    let calls = 0;
    const seen = await withExtension(
      () =>
        ++calls === 1 ? [400, 'not ready'] : [200, JSON.stringify({ Parameter: { Value: '{"acme":"s"}' } })],
      async (port) => {
        const value = await fetchParameterViaExtension('/mh/prod/webhook-secrets', {
          fetch,
          sessionToken: 'session-token',
          port,
        });
        expect(value).toBe('{"acme":"s"}');
      },
    );
    expect(seen).toHaveLength(2);
    expect(seen[1]?.url).toBe(
      '/systemsmanager/parameters/get?name=%2Fmh%2Fprod%2Fwebhook-secrets&withDecryption=true',
    );
    expect(seen[1]?.headers['x-aws-parameters-secrets-token']).toBe('session-token');
  });

  it('gives up at its deadline when the extension accepts and never answers', async () => {
    const hung = createServer(() => {});
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const port = (hung.address() as AddressInfo).port;
      const started = Date.now();
      await expect(
        fetchParameterViaExtension('/x', { fetch, sessionToken: 't', port }, AbortSignal.timeout(200)),
      ).rejects.toThrow(ConfigError);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      hung.closeAllConnections();
      hung.close();
    }
  });

  it('gives up with a ConfigError', async () => {
    await withExtension(
      () => [403, 'denied'],
      async (port) => {
        await expect(fetchParameterViaExtension('/x', { fetch, sessionToken: 't', port })).rejects.toThrow(
          ConfigError,
        );
      },
    );
    await expect(fetchParameterViaExtension('/x', { fetch, sessionToken: undefined })).rejects.toThrow(
      /AWS_SESSION_TOKEN/,
    );
  });
});

describe('bounded SQS retry', () => {
  const fakeClock = (): RetryClock & { slept: number[]; t: number } => {
    const clock = {
      t: 0,
      slept: [] as number[],
      now: () => clock.t,
      sleep: async (ms: number) => {
        clock.slept.push(ms);
        clock.t += ms;
      },
      random: () => 1,
    };
    return clock;
  };
  const throttled = Object.assign(new Error('slow down'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', $metadata: {} });
  const invalid = Object.assign(new Error('bad'), {
    name: 'InvalidMessageContents',
    $metadata: { httpStatusCode: 400 },
  });

  it('classifies errors', () => {
    expect(isRetryableError(throttled)).toBe(true);
    expect(isRetryableError(refused)).toBe(true);
    expect(isRetryableError(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }))).toBe(
      true,
    );
    expect(isRetryableError(invalid)).toBe(false);
    expect(isRetryableError(new TypeError('bug'))).toBe(false);
  });

  it('retries retryable errors with growing back-off until success', async () => {
    const clock = fakeClock();
    let attempts = 0;
    const result = await withRetry(
      async () => {
        if (++attempts < 4) throw refused;
        return 'sent';
      },
      { totalMs: 1500, baseDelayMs: 25, maxDelayMs: 400 },
      clock,
    );
    expect(result).toBe('sent');
    expect(clock.slept).toEqual([25, 50, 100]);
  });

  it('aborts an attempt that never settles at its deadline, and stops at the end of the budget', async () => {
    const signals: AbortSignal[] = [];
    const started = Date.now();
    await expect(
      withRetry(
        (signal) => {
          signals.push(signal);
          return new Promise<never>(() => {}); // ignores its signal, like a hung socket
        },
        { totalMs: 300, baseDelayMs: 5, maxDelayMs: 10, attemptTimeoutMs: 100 },
      ),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    const elapsed = Date.now() - started;
    // Two 100 ms attempts; a third would have had less than a useful attempt left in the 300 ms.
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(300 + 150);
    expect(signals.length).toBeGreaterThanOrEqual(2);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('never exceeds the time budget, and does not retry a client error', async () => {
    const clock = fakeClock();
    let attempts = 0;
    await expect(
      withRetry(
        async () => {
          attempts++;
          clock.t += 30; // each attempt takes a while
          throw throttled;
        },
        { totalMs: 1500, baseDelayMs: 25, maxDelayMs: 400 },
        clock,
      ),
    ).rejects.toBe(throttled);
    expect(clock.t).toBeLessThanOrEqual(1500);
    expect(attempts).toBeGreaterThan(3);
    let clientAttempts = 0;
    await expect(
      withRetry(async () => {
        clientAttempts++;
        throw invalid;
      }),
    ).rejects.toBe(invalid);
    expect(clientAttempts).toBe(1);
  });
});
