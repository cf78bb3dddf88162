import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatwootJson, handledPayload } from '#fixtures/payloads.ts';
import { ingestSpec } from '#infra/serverless/functions.ts';
import { ANSWER_BOUND_MS } from '#lib/ingest/settings.ts';
import { signedHeaders } from '#lib/signing.ts';
import { buildFunctions } from '#scripts/build.ts';
import { type BundleProcess, startBundle } from '#test/support/bundle-process.ts';
import { type FaultServer, hungServer } from '#test/support/fault-servers.ts';
import { type SecretsExtension, startSecretsExtension } from '#test/support/secrets-extension.ts';
import { freshStack, type TestStack } from '#test/support/stack.ts';
import { apiGatewayEvent, SECRET, SOURCES_JSON } from './support.ts';

/**
 * The deployed artefact itself: the ingest bundle as `npm run build` makes it (same esbuild options,
 * into a temporary directory), imported in a fresh Node process the way Lambda's INIT does, then
 * invoked. Proves the time bounds and the lazy secrets in what ships, not only in the sources.
 */
const MARGIN_MS = 250;
const SESSION_TOKEN = 'session-token-of-this-sandbox';
const PARAMETER = '/messagehub-webhooks/test/webhook-secrets';

describe('the built ingest bundle', () => {
  let stack: TestStack;
  let bundle: string;
  let outRoot: string;
  const processes: BundleProcess[] = [];
  const servers: { close: () => Promise<void> }[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    outRoot = mkdtempSync(join(tmpdir(), 'mh-ingest-bundle-'));
    const [[built], started] = await Promise.all([
      buildFunctions({ specs: [ingestSpec], outRoot }),
      freshStack(),
    ]);
    bundle = built?.outfile ?? '';
    stack = started;
  }, 120_000);
  afterAll(async () => {
    for (const child of processes) child.stop();
    await Promise.all(servers.map((server) => server.close()));
    rmSync(outRoot, { recursive: true, force: true });
    if (timings.length > 0)
      console.info(`built bundle answer times (bound ${ANSWER_BOUND_MS} ms):\n${timings.join('\n')}`);
  });

  const serve = async <T extends { close: () => Promise<void> }>(server: Promise<T>): Promise<T> => {
    const started = await server;
    servers.push(started);
    return started;
  };

  const start = (env: Record<string, string>): BundleProcess => {
    const child = startBundle(bundle, {
      NODE_OPTIONS: '--enable-source-maps',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: SESSION_TOKEN,
      QUEUE_URL_PREFIX: stack.queueUrlPrefix,
      TABLE_NAME: stack.tableName,
      AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'messagehub-webhooks-test',
      ...env,
    });
    processes.push(child);
    return child;
  };

  const webhook = (source = 'acme', secret = SECRET) => {
    const delivery = randomUUID();
    const raw = chatwootJson(handledPayload('message_created'));
    return {
      delivery,
      event: apiGatewayEvent(source, raw, { ...signedHeaders(secret, raw), 'X-Chatwoot-Delivery': delivery }),
    };
  };

  const timed = async (name: string, child: BundleProcess, event: unknown) => {
    const invocation = await child.invoke(event);
    timings.push(`  ${name}: ${invocation.result.statusCode} in ${invocation.ms} ms`);
    expect(invocation.ms, `${name}: ${invocation.ms} ms`).toBeLessThanOrEqual(ANSWER_BOUND_MS + MARGIN_MS);
    return invocation;
  };

  it('SQS accepts and never answers, spillover up: 202 spilled within the bound', async () => {
    const sqs = await serve(hungServer());
    const child = start({ WEBHOOK_SECRETS: SOURCES_JSON, AWS_ENDPOINT_URL_SQS: sqs.url });
    await child.imported;
    const { event, delivery } = webhook();
    const { result } = await timed('SQS hung, spillover up', child, event);
    expect(result.statusCode, result.body).toBe(202);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({
      status: 'accepted',
      id: delivery,
      spilled: true,
    });
    const items = await stack.dynamodb.send(
      new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }),
    );
    expect(items.Items?.map((item) => item.eventId?.S)).toContain(delivery);
    expect(sqs.hits()).toBeGreaterThan(0);
  });

  it('SQS and spillover both hung: 503 with Retry-After within the bound; every log line names the event', async () => {
    const sqs = await serve(hungServer());
    const dynamo = await serve(hungServer());
    const child = start({
      WEBHOOK_SECRETS: SOURCES_JSON,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    });
    await child.imported;
    const { event, delivery } = webhook();
    const { result } = await timed('SQS and spillover hung', child, event);
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toMatch(/^[0-9]+$/);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ status: 'unavailable', id: delivery });
    await child.waitForLog((line) => line.level === 'ERROR');
    const lines = child.logs().filter((line) => typeof line.level === 'string');
    expect(lines.map((line) => line.message)).toEqual([
      'SQS refused the event; writing it to the spillover',
      'SQS and the spillover both failed; event refused with 503',
    ]);
    for (const line of lines) expect(line.correlation_id).toBe(delivery);
    expect(dynamo.hits()).toBeGreaterThan(0);
  });

  it('a crash answers 500 in the contract shape and logs its message and stack with the correlation id', async () => {
    const child = start({ WEBHOOK_SECRETS: SOURCES_JSON });
    await child.imported;
    // No requestContext: reading the method throws inside the handler.
    const { result } = await child.invoke({ headers: { 'x-chatwoot-delivery': 'crash-delivery-1' } });
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ status: 'error', error: { code: 'internal' } });
    const line = await child.waitForLog((entry) => entry.message === 'ingest failed unexpectedly');
    expect(line?.correlation_id).toBe('crash-delivery-1');
    const error = line?.error as { name?: string; message?: string; stack?: string } | undefined;
    expect(error?.name).toBe('TypeError');
    expect(error?.message).toMatch(/http|undefined/);
    expect(error?.stack).toMatch(/TypeError/);
  });

  describe('sources from SSM through the Parameters and Secrets extension', () => {
    let extension: SecretsExtension;
    beforeAll(async () => {
      extension = await serve(startSecretsExtension(SESSION_TOKEN));
      extension.parameters.set(PARAMETER, SOURCES_JSON);
    });
    const extensionEnv = (ttlMs: number) => ({
      WEBHOOK_SECRETS_PARAMETER: PARAMETER,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      WEBHOOK_SECRETS_TTL_MS: String(ttlMs),
    });

    it('reads nothing at import, once on the first invoke, not again within the TTL, again after it', async () => {
      extension.requests.length = 0;
      extension.behaviour.mode = 'ok';
      extension.parameters.set(PARAMETER, SOURCES_JSON);
      const ttlMs = 1500;
      const child = start(extensionEnv(ttlMs));
      await child.imported;
      // INIT is over: the extension would not have answered, and was not asked.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(extension.requests).toHaveLength(0);

      const first = await timed('first invoke, sources read from the extension', child, webhook().event);
      expect(first.result.statusCode, first.result.body).toBe(202);
      expect(extension.requests).toHaveLength(1);
      expect(extension.requests[0]).toMatchObject({
        url: `/systemsmanager/parameters/get?name=${encodeURIComponent(PARAMETER)}&withDecryption=true`,
        token: SESSION_TOKEN,
      });
      const firstReadAt = extension.requests[0]?.at ?? 0;

      // A source added to the parameter is not seen within the TTL, and nothing is read.
      extension.parameters.set(
        PARAMETER,
        JSON.stringify({ ...JSON.parse(SOURCES_JSON), newco: 'newco-secret' }),
      );
      expect((await child.invoke(webhook().event)).result.statusCode).toBe(202);
      expect((await child.invoke(webhook('newco', 'newco-secret').event)).result.statusCode).toBe(404);
      expect(extension.requests).toHaveLength(1);

      // After the TTL (counted from when the read finished, a little after the extension saw it)
      // the next invoke reads again, and the added source works without a redeploy.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, firstReadAt + ttlMs + 400 - Date.now())),
      );
      const added = await child.invoke(webhook('newco', 'newco-secret').event);
      expect(added.result.statusCode, added.result.body).toBe(202);
      expect(extension.requests).toHaveLength(2);

      // A failed refresh keeps the last good sources, with a warning.
      extension.behaviour.mode = 'error';
      await new Promise((resolve) => setTimeout(resolve, ttlMs + 400));
      const kept = await timed(
        'refresh fails, last good sources kept',
        child,
        webhook('newco', 'newco-secret').event,
      );
      expect(kept.result.statusCode).toBe(202);
      expect(extension.requests.length).toBeGreaterThan(2);
      const warning = await child.waitForLog(
        (line) => line.message === 'webhook sources could not be refreshed; keeping the last good ones',
      );
      expect(warning?.level).toBe('WARN');
    });

    it('a first read that fails answers 503 with Retry-After within the bound, then recovers', async () => {
      extension.requests.length = 0;
      extension.behaviour.mode = 'hang';
      const child = start(extensionEnv(60_000));
      await child.imported;
      const { event, delivery } = webhook();
      const failed = await timed('extension hung on the first invoke', child, event);
      expect(failed.result.statusCode).toBe(503);
      expect(failed.result.headers?.['retry-after']).toMatch(/^[0-9]+$/);
      expect(JSON.parse(failed.result.body ?? '{}')).toMatchObject({
        status: 'unavailable',
        error: { code: 'unavailable' },
      });
      const line = await child.waitForLog(
        (entry) => entry.message === 'webhook sources unavailable; request refused with 503',
      );
      expect(line?.correlation_id).toBe(delivery);
      extension.behaviour.mode = 'ok';
      expect((await child.invoke(webhook().event)).result.statusCode).toBe(202);
    });

    it('worst case: a slow extension, then SQS and the spillover hung, still answers within the bound', async () => {
      const sqs: FaultServer = await serve(hungServer());
      const dynamo: FaultServer = await serve(hungServer());
      extension.behaviour.mode = 'ok';
      // Inside the load's 800 ms deadline, with room for a fresh process's first fetch (undici loads).
      extension.behaviour.delayMs = 550;
      try {
        const child = start({
          ...extensionEnv(60_000),
          AWS_ENDPOINT_URL_SQS: sqs.url,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
        });
        await child.imported;
        const { result } = await timed('slow extension, SQS and spillover hung', child, webhook().event);
        expect(result.statusCode).toBe(503);
        expect(sqs.hits()).toBeGreaterThan(0);
        expect(dynamo.hits()).toBeGreaterThan(0);
      } finally {
        extension.behaviour.delayMs = 0;
      }
    });
  });
});
