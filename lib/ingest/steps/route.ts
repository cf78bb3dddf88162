import { MAX_VALIDATION_ISSUES_CHARS } from '#contracts/limits.ts';
import {
  type HandledEventName,
  isHandledEventName,
  type RouteName,
  routeOfEvent,
} from '#contracts/routes.ts';

/** What the ingest needs to know about payloads; the event registry provides it (payload-checks.ts). */
export interface PayloadChecks {
  /** Whether a handled event's payload has the ids and key types its worker stores by (hot path). */
  keysFit(event: HandledEventName, payload: Record<string, unknown>): boolean;
  /** Why a payload failed `keysFit`, as readable issues (formatIssues JSON); off the hot path. */
  describeMisfit(event: HandledEventName, payload: Record<string, unknown>): Promise<string>;
  /** `account.id`, or `messages[].account_id` on older senders; null when the payload names none. */
  accountIdOf(payload: Record<string, unknown>): number | null;
}

/** Where an event goes, and what the ingest answers about it. */
export interface Route {
  route: RouteName;
  status: 'accepted' | 'quarantined' | 'archived';
  /** A misfit's validation issues, bounded and safe for an SQS message attribute. */
  issues?: string;
}

/** Bounded, and free of what an SQS attribute may not hold (lone surrogates, control characters). */
export const attributeText = (text: string, max: number): string => {
  const bounded = text.length <= max ? text : `${text.slice(0, max - 20)}… (truncated)`;
  return (bounded as string & { toWellFormed(): string })
    .toWellFormed()
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
};

/**
 * Step 4, classify and route: a handled event whose payload has its keys goes to its own route; one
 * that does not is quarantined with its (sanitised, bounded) issues; any other name is archived.
 * The ingest and `mhub replay` both route through here, so a replay lands where the ingest would.
 */
export const classifyAndRoute = (
  event: string,
  payload: Record<string, unknown>,
  checks: Pick<PayloadChecks, 'keysFit' | 'describeMisfit'>,
): Route | Promise<Route> => {
  if (!isHandledEventName(event)) return { route: 'archive', status: 'archived' };
  if (checks.keysFit(event, payload)) return { route: routeOfEvent(event), status: 'accepted' };
  // Only a misfit waits (the registry loads to describe it); a fit routes without a promise.
  return checks.describeMisfit(event, payload).then((issues) => ({
    route: 'quarantine',
    status: 'quarantined',
    issues: attributeText(issues, MAX_VALIDATION_ISSUES_CHARS),
  }));
};

/**
 * The route of an archived event's exact body (for `mhub replay`): the ingest's own routing, after
 * the parse the ingest did when it accepted it. A body that no longer parses as an object is a misfit.
 */
export const routeArchivedEvent = async (
  event: string,
  rawBody: string,
  checks: Pick<PayloadChecks, 'keysFit' | 'describeMisfit'>,
): Promise<Route> => {
  if (!isHandledEventName(event)) return { route: 'archive', status: 'archived' };
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    return { route: 'quarantine', status: 'quarantined', issues: 'the archived body is not JSON' };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return { route: 'quarantine', status: 'quarantined', issues: 'the archived body is not a JSON object' };
  return classifyAndRoute(event, payload as Record<string, unknown>, checks);
};

/** The `event` metric dimension: a handled event's name, `other` for the rest (bounded cardinality). */
export const metricEventOf = (event: string): string => (isHandledEventName(event) ? event : 'other');
