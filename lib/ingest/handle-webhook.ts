import type { WebhookResponse } from './http.ts';
import type { Outcome } from './outcome.ts';
import type { SourcesProvider } from './source-cache.ts';
import type { Sources } from './sources.ts';
import { answerDurable } from './steps/answer.ts';
import { authenticateRequest } from './steps/authenticate-request.ts';
import { isRefused, requestContext, type WebhookRequest } from './steps/context.ts';
import { type DeliverDeps, deliverEvent } from './steps/deliver.ts';
import { parseWebhook } from './steps/parse-webhook.ts';
import { readRequest } from './steps/read-request.ts';
import { classifyAndRoute, type PayloadChecks } from './steps/route.ts';

export type { WebhookRequest } from './steps/context.ts';
export type { PayloadChecks } from './steps/route.ts';

export interface IngestDeps extends DeliverDeps {
  /** Fixed sources, or a provider that reads them lazily (and may fail: then 503). */
  sources: Sources | SourcesProvider;
  maxBodyBytes: number;
  checks: PayloadChecks;
  now: () => Date;
  retryAfterSeconds?: number;
  /** Given the log keys, it may write the access log line itself: then it returns true. */
  recordOutcome?: (outcome: Outcome, logKeys?: Record<string, unknown>) => unknown;
}

/**
 * The whole ingest contract of design.md, behind injected side effects, as six steps: read the
 * request → authenticate → parse → classify and route → deliver (SQS, else the spillover) → answer.
 * Each step either hands on what it learned or refuses with the contract's status and body. Never
 * answers 2xx before the event is durable; answers 5xx only when SQS and the spillover both fail.
 */
export const handleWebhook = async (request: WebhookRequest, deps: IngestDeps): Promise<WebhookResponse> => {
  const ctx = requestContext(request, deps);
  // Steps wait only when they must (lazily read sources, a misfit's description): no needless await.
  const reading = readRequest(request, deps, ctx);
  const read = reading instanceof Promise ? await reading : reading;
  if (isRefused(read)) return read.refused;
  const receivedAt = deps.now();
  const auth = authenticateRequest(request, read, receivedAt, ctx);
  if (isRefused(auth)) return auth.refused;
  const parsed = parseWebhook(read, ctx);
  if (isRefused(parsed)) return parsed.refused;

  const accountId = deps.checks.accountIdOf(parsed.payload) ?? read.source.accountId;
  ctx.logKeys.correlation_id = parsed.eventId;
  ctx.logKeys.event = parsed.event;
  ctx.logKeys.account = accountId ?? undefined;
  ctx.logKeys.auth = auth.mode;
  const routing = classifyAndRoute(parsed.event, parsed.payload, deps.checks);
  const route = routing instanceof Promise ? await routing : routing;
  const delivered = await deliverEvent(
    { request, sourceName: read.sourceName, receivedAt, auth, parsed, accountId, route },
    deps,
    ctx,
  );
  if (isRefused(delivered)) return delivered.refused;
  return answerDurable(parsed, route, delivered.spilled, ctx);
};
