import { type HandledEventName, isHandledEventName } from '#contracts/routes.ts';
import type { Envelope } from '#lib/events/envelope.ts';
import { formatIssues, normaliseEvent } from '#lib/events/registry.ts';
import { logger } from '#lib/observability.ts';
import { exactJsonOf, parseBody } from '#lib/schemas/exact-json.ts';
import type { HandledEvent } from '#lib/schemas/types.ts';
import { isTransientError } from '#lib/store/errors.ts';
import { UNKNOWN_ACCOUNT_ID } from '#lib/store/keys.ts';
import { knownStored } from '#lib/store/known-stored.ts';
import { rawEventWrite } from '#lib/store/raw-event.ts';
import { eventMicros } from '#lib/store/version.ts';
import { executeWrites, type StoreDeps, type Write } from '#lib/store/write.ts';
import {
  describeError,
  type LogKeys,
  type Outcome,
  type PreparedRecord,
  type RecordPreparer,
  type RecordResult,
} from './batch.ts';
import { planWrites, UnkeyableEventError } from './plan.ts';

/**
 * The per-route record processors: decode → JSON.parse → normalise → plan → write. Everything that
 * can be decided without DynamoDB happens in `prepare`; `run` only sends the writes.
 */

export interface WorkerDeps extends StoreDeps {
  /** Days the raw archive keeps an event. */
  rawArchiveTtlDays: number;
}

const baseKeys = (envelope: Envelope, account: number): LogKeys => ({
  correlation_id: envelope.eventId,
  event: envelope.event,
  source: envelope.source,
  account,
});

const resolveAccount = (envelope: Envelope, fromPayload: number | null): number => {
  const account = fromPayload ?? envelope.accountId;
  if (account !== null) return account;
  logger.warn('no account for event, filed under account 0', {
    correlation_id: envelope.eventId,
    event: envelope.event,
    source: envelope.source,
  });
  return UNKNOWN_ACCOUNT_ID;
};

const runWrites =
  (deps: WorkerDeps, writes: Write[], outcome: Outcome) => async (): Promise<RecordResult> => {
    const result = await executeWrites(deps, writes);
    return {
      outcome,
      writeUnits: result.writeUnits,
      writesApplied: result.applied,
      writesSuperseded: result.superseded,
    };
  };

/** Store the event raw only: archive (unmodelled events) or quarantine (misfits, with their issues). */
const rawOnly = (
  deps: WorkerDeps,
  envelope: Envelope,
  outcome: 'archived' | 'quarantined',
  issues: string | undefined,
  metricEvent: string,
): PreparedRecord => {
  const account = resolveAccount(envelope, null);
  const writes = rawEventWrite({
    envelope,
    accountId: account,
    outcome,
    ttlDays: deps.rawArchiveTtlDays,
    ...(issues === undefined ? {} : { issues }),
  });
  return {
    lane: `EV#${envelope.eventId}`,
    keys: baseKeys(envelope, account),
    metricEvent,
    run: runWrites(deps, writes, outcome),
  };
};

const laneOf = (
  event: HandledEvent,
  account: number,
  envelope: Envelope,
): { lane: string; keys: Partial<LogKeys> } => {
  switch (event.event) {
    case 'conversation_created':
    case 'conversation_updated':
    case 'conversation_status_changed':
      return {
        lane: `A#${account}#C#${event.conversation.id}`,
        keys: { conversation: event.conversation.id },
      };
    case 'message_created':
    case 'message_updated': {
      const id = event.message.conversation_id ?? event.conversation?.id;
      return id === null || id === undefined
        ? { lane: `EV#${envelope.eventId}`, keys: {} }
        : { lane: `A#${account}#C#${id}`, keys: { conversation: id } };
    }
    case 'contact_created':
    case 'contact_updated':
    case 'webwidget_triggered':
      return { lane: `A#${account}#CT#${event.contact.id}`, keys: { contact: event.contact.id } };
  }
};

/**
 * A handled event: stored raw (outcome `handled`) plus everything its plan writes. A payload that
 * does not normalise is stored like a quarantined event and acknowledged: retrying cannot fix it.
 * `expected` is the worker's own event; a record that names another handled event is processed as
 * what it says it is (and logged), so a mis-routed replay is not lost.
 */
const prepareHandledEvent =
  (expected: HandledEventName, deps: WorkerDeps): RecordPreparer =>
  (envelope) => {
    if (envelope.event !== expected)
      logger.warn('event arrived on another route', {
        correlation_id: envelope.eventId,
        event: envelope.event,
        route: expected,
      });
    const name = isHandledEventName(envelope.event) ? envelope.event : expected;
    let payload: unknown;
    try {
      // JSON.parse, with each free-form value tied to its exact text (lib/schemas/exact-json.ts).
      payload = parseBody(envelope.rawBody);
    } catch {
      // The parser's message quotes the body: never log or store it.
      return rawOnly(
        deps,
        envelope,
        'quarantined',
        formatIssues([{ path: '$', message: 'body is not valid JSON' }]),
        name,
      );
    }
    const normalised = normaliseEvent(name, payload);
    if (!normalised.ok) return rawOnly(deps, envelope, 'quarantined', formatIssues(normalised.issues), name);
    const event = normalised.value as HandledEvent;
    const account = resolveAccount(envelope, event.account_id);
    let writes: Write[];
    try {
      const changed = (payload as { changed_attributes?: unknown }).changed_attributes;
      const changedAttributesJson =
        typeof changed === 'object' && changed !== null ? exactJsonOf(changed) : undefined;
      writes = planWrites(event, {
        eventId: envelope.eventId,
        accountId: account,
        eventMicros: eventMicros(envelope),
        ...(changedAttributesJson === undefined ? {} : { changedAttributesJson }),
      });
    } catch (error) {
      if (!(error instanceof UnkeyableEventError)) throw error;
      return rawOnly(
        deps,
        envelope,
        'quarantined',
        formatIssues([{ path: '$', message: error.message }]),
        name,
      );
    }
    const raw = rawEventWrite({
      envelope,
      accountId: account,
      outcome: 'handled',
      ttlDays: deps.rawArchiveTtlDays,
    });
    const lane = laneOf(event, account, envelope);
    return {
      lane: lane.lane,
      keys: { ...baseKeys(envelope, account), ...lane.keys },
      metricEvent: name,
      run: runWrites(deps, [...raw, ...writes], 'applied'),
    };
  };

/** One memory of what is stored per preparer, i.e. per worker function and container (known-stored.ts). */
const remembering = (deps: WorkerDeps): WorkerDeps => ({
  ...deps,
  knownStored: deps.knownStored ?? knownStored(),
});

/**
 * A handled event's preparer, quarantining what fails deterministically (see `quarantiningFailures`).
 */
export const handledEventPreparer = (expected: HandledEventName, setup: WorkerDeps): RecordPreparer => {
  const deps = remembering(setup);
  return quarantiningFailures(deps, prepareHandledEvent(expected, deps), (envelope) =>
    isHandledEventName(envelope.event) ? envelope.event : expected,
  );
};

/** The archive route: unknown or unmodelled events, stored raw for inspection and later replay. */
export const archivePreparer = (setup: WorkerDeps): RecordPreparer => {
  const deps = remembering(setup);
  return quarantiningFailures(
    deps,
    (envelope) => rawOnly(deps, envelope, 'archived', undefined, 'archive'),
    () => 'archive',
  );
};

/** The quarantine route: known events whose payload misfits, stored raw with the ingest's issues. */
export const quarantinePreparer = (setup: WorkerDeps): RecordPreparer => {
  const deps = remembering(setup);
  return quarantiningFailures(
    deps,
    (envelope) => rawOnly(deps, envelope, 'quarantined', envelope.validationIssues ?? '[]', 'quarantine'),
    () => 'quarantine',
  );
};

/** The readable issue a deterministic failure is quarantined with. */
const failureIssues = (error: unknown): string => {
  const { name, message } = describeError(error);
  return formatIssues([
    {
      path: '$',
      message: `the worker cannot store this event (${name}: ${message}); retrying would fail the same way`,
    },
  ]);
};

/**
 * The quarantine of an event whose processing failed deterministically: its raw item, outcome
 * `quarantined`, with the error as its issue. It replaces the `handled` item the failed attempt
 * may have written (and nothing else: writes that landed stay, each is idempotent on a replay).
 */
const failureQuarantine = (
  deps: WorkerDeps,
  envelope: Envelope,
  keys: LogKeys,
  metricEvent: string,
  error: unknown,
): PreparedRecord => {
  const account = keys.account ?? resolveAccount(envelope, null);
  const writes = rawEventWrite({
    envelope,
    accountId: account,
    outcome: 'quarantined',
    ttlDays: deps.rawArchiveTtlDays,
    issues: failureIssues(error),
    replaceUnlessQuarantined: true,
  });
  const run = runWrites(deps, writes, 'quarantined');
  return {
    lane: `EV#${envelope.eventId}`,
    keys,
    metricEvent,
    run: async () => ({ ...(await run()), failed: true }),
  };
};

/**
 * Deterministic failures (a ValidationException, a RangeError, a value the marshaller refuses: the
 * same on every delivery) are quarantined with their error instead of being retried into the DLQ;
 * only transient ones (throttling, 5xx, network, timeouts: lib/store/errors.ts) fail the record so
 * SQS redelivers it. If the quarantine write itself fails, the record fails and is retried.
 */
const quarantiningFailures =
  (
    deps: WorkerDeps,
    prepare: RecordPreparer,
    metricEventOf: (envelope: Envelope) => string,
  ): RecordPreparer =>
  (envelope) => {
    const fallbackKeys = (): LogKeys => ({
      correlation_id: envelope.eventId,
      event: envelope.event,
      source: envelope.source,
    });
    let prepared: PreparedRecord;
    try {
      prepared = prepare(envelope);
    } catch (error) {
      if (isTransientError(error)) throw error;
      const keys = fallbackKeys();
      logger.error('record cannot be processed; quarantined', { ...keys, error: describeError(error) });
      return failureQuarantine(deps, envelope, keys, metricEventOf(envelope), error);
    }
    return {
      ...prepared,
      run: async () => {
        try {
          return await prepared.run();
        } catch (error) {
          if (isTransientError(error)) throw error;
          logger.error('record cannot be stored; quarantined', {
            ...prepared.keys,
            error: describeError(error),
          });
          return failureQuarantine(deps, envelope, prepared.keys, prepared.metricEvent, error).run();
        }
      },
    };
  };
