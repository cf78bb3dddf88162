/**
 * Size limits and time budgets that the deployed resources (infra/) and the code (lib/, functions/)
 * must agree on. The sender gives up after 5 s and never retries, so every budget here is a share
 * of ANSWER_BOUND_MS.
 */

/** The SQS message size limit (body plus attribute names, types and values), bytes; also each queue's MaximumMessageSize. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/**
 * Default raw body limit, and the most MAX_BODY_BYTES may be: above real bodies (~450 KB), and once
 * base64-encoded by API Gateway still under Lambda's 6 MB synchronous payload limit.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Bodies above this many bytes are gzipped (then base64'd, since SQS bodies are text). */
export const DEFAULT_GZIP_THRESHOLD_BYTES = 64 * 1024;
/** Validation issues ride in a message attribute; a misfit must not push its event over the SQS limit. */
export const MAX_VALIDATION_ISSUES_CHARS = 16 * 1024;

/** The ingest answers every request within this, ms, whatever hangs (the sender waits 5 s). */
export const ANSWER_BOUND_MS = 3500;
/** Deadline of one read of the sources through the extension, ms (first invoke, then once per TTL). */
export const SECRETS_LOAD_TIMEOUT_MS = 800;
/** Room kept for everything else a request does (parse, verify, encode), ms. */
export const PROCESSING_ALLOWANCE_MS = 200;
/** Total time for the ingest's SQS attempts and back-offs before it falls back to the spillover, ms. */
export const DEFAULT_SQS_RETRY_BUDGET_MS = 1200;
/** The hard deadline of one SendMessage attempt of the ingest, ms: the abort signal fires here. */
export const SQS_ATTEMPT_TIMEOUT_MS = 600;
/** The ingest's spillover write, all its attempts, ms. */
export const DEFAULT_SPILLOVER_TIMEOUT_MS = 1200;
/** How long sources read from the SSM parameter are reused before they are read again, ms. */
export const DEFAULT_SECRETS_TTL_MS = 5 * 60 * 1000;
/** `retry-after` of a 503, seconds. */
export const DEFAULT_RETRY_AFTER_SECONDS = 30;

/** Records one sweeper run moves at most; the next scheduled run continues. */
export const DEFAULT_SWEEP_MAX_RECORDS = 500;
/** Days the raw archive keeps an event (DynamoDB TTL). */
export const DEFAULT_RAW_EVENT_TTL_DAYS = 90;
