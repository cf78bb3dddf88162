import { jsonResponse, type WebhookResponse } from '#lib/ingest/http.ts';
import { infoLogsEnabled, logger } from '#lib/observability.ts';
import type { RequestContext } from './context.ts';
import type { ParsedWebhook } from './parse-webhook.ts';
import { metricEventOf, type Route } from './route.ts';

/**
 * Step 6, answer: the event is durable (on its queue or in the spillover), so 202 with its status
 * and id; its outcome is recorded and logged (a quarantine as a warning).
 */
export const answerDurable = (
  parsed: ParsedWebhook,
  route: Route,
  spilled: boolean,
  ctx: RequestContext,
): WebhookResponse => {
  const outcome = { outcome: route.status, event: metricEventOf(parsed.event), spilled };
  ctx.logKeys.route = route.route;
  ctx.logKeys.spilled = spilled;
  if (route.status === 'quarantined') {
    ctx.record(outcome);
    logger.warn('webhook quarantined', ctx.logKeys);
    // The access log and the metric are one line when the recorder can write it (lib/observability.ts).
  } else if (ctx.record(outcome, ctx.logKeys) !== true && infoLogsEnabled)
    logger.info('webhook accepted', ctx.logKeys);
  return jsonResponse(202, {
    status: route.status,
    id: parsed.eventId,
    event: parsed.event,
    ...(spilled ? { spilled } : {}),
  });
};
