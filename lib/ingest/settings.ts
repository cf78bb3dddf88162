import {
  GZIP_THRESHOLD_BYTES,
  MAX_BODY_BYTES,
  QUEUE_URL_PREFIX,
  SPILLOVER_TIMEOUT_MS,
  SQS_RETRY_BUDGET_MS,
  TABLE_NAME,
  WEBHOOK_SECRETS,
  WEBHOOK_SECRETS_PARAMETER,
  WEBHOOK_SECRETS_TTL_MS,
} from '#contracts/env.ts';
import {
  ANSWER_BOUND_MS,
  DEFAULT_GZIP_THRESHOLD_BYTES,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_SECRETS_TTL_MS,
  DEFAULT_SPILLOVER_TIMEOUT_MS,
  DEFAULT_SQS_RETRY_BUDGET_MS,
  PROCESSING_ALLOWANCE_MS,
  SECRETS_LOAD_TIMEOUT_MS,
} from '#contracts/limits.ts';
import { readSettings } from '#lib/config.ts';
import { ConfigError } from '#lib/errors.ts';

/**
 * The ingest's configuration, read from the environment once per cold start and validated, so a
 * broken setting fails the deploy's first request loudly instead of misrouting events.
 */
export interface IngestSettings {
  /** Queue URL of route R: `${queueUrlPrefix}${R}`. */
  queueUrlPrefix: string;
  tableName: string;
  gzipThresholdBytes: number;
  maxBodyBytes: number;
  /** Total time for SQS attempts and back-offs, before falling back to the spillover. */
  sqsRetryBudgetMs: number;
  /** Time for the spillover write (all its attempts). */
  spilloverTimeoutMs: number;
  /** How long sources read from the SSM parameter are reused before they are read again, ms. */
  secretsTtlMs: number;
  secrets: { from: 'env'; json: string } | { from: 'parameter'; name: string };
}

/** Name of the sources' cache TTL setting (set by infra on the ingest function). */
export const SECRETS_TTL_SETTING = WEBHOOK_SECRETS_TTL_MS;
export {
  ANSWER_BOUND_MS,
  DEFAULT_SECRETS_TTL_MS,
  DEFAULT_SPILLOVER_TIMEOUT_MS,
  DEFAULT_SQS_RETRY_BUDGET_MS,
  SECRETS_LOAD_TIMEOUT_MS,
};

/** Lambda's synchronous payload limit is 6 MB and base64 adds a third: 4 MiB raw still fits. */
const MAX_RAW_LIMIT = DEFAULT_MAX_BODY_BYTES;

/**
 * Validates the ingest's environment (lib/config.ts's one settings reader, which stays off valibot
 * for this cold start). Throws ConfigError naming every bad variable (never a value).
 */
export const readIngestSettings = (env: NodeJS.ProcessEnv): IngestSettings =>
  readSettings(env, 'ingest', (read) => {
    const queueUrlPrefix = read.urlPrefix(QUEUE_URL_PREFIX);
    const tableName = read.required(TABLE_NAME, 3);
    const secretsJson = read.text(WEBHOOK_SECRETS, 2);
    const secretsParameter = read.text(WEBHOOK_SECRETS_PARAMETER);
    const gzipThresholdBytes = read.wholeNumber(GZIP_THRESHOLD_BYTES, 0, 1_048_576);
    const maxBodyBytes = read.wholeNumber(MAX_BODY_BYTES, 1, MAX_RAW_LIMIT);
    const sqsRetryBudgetMs = read.wholeNumber(SQS_RETRY_BUDGET_MS, 50, 3000);
    const spilloverTimeoutMs = read.wholeNumber(SPILLOVER_TIMEOUT_MS, 100, 2000);
    const secretsTtlMs = read.wholeNumber(SECRETS_TTL_SETTING, 0, 24 * 60 * 60 * 1000);
    // Secrets load + SQS + spillover, one after another, must still answer within ANSWER_BOUND_MS.
    const worstCaseMs =
      SECRETS_LOAD_TIMEOUT_MS +
      (sqsRetryBudgetMs ?? DEFAULT_SQS_RETRY_BUDGET_MS) +
      (spilloverTimeoutMs ?? DEFAULT_SPILLOVER_TIMEOUT_MS) +
      PROCESSING_ALLOWANCE_MS;
    if (worstCaseMs > ANSWER_BOUND_MS)
      read.problem(
        `SQS_RETRY_BUDGET_MS + SPILLOVER_TIMEOUT_MS must be at most ${ANSWER_BOUND_MS - SECRETS_LOAD_TIMEOUT_MS - PROCESSING_ALLOWANCE_MS} (the ${ANSWER_BOUND_MS} ms answer bound)`,
      );
    let secrets: IngestSettings['secrets'] = { from: 'env', json: secretsJson ?? '' };
    if (secretsJson !== undefined && secretsParameter !== undefined)
      read.problem('set WEBHOOK_SECRETS or WEBHOOK_SECRETS_PARAMETER, not both');
    else if (secretsParameter !== undefined) secrets = { from: 'parameter', name: secretsParameter };
    else if (secretsJson === undefined)
      read.problem('WEBHOOK_SECRETS or WEBHOOK_SECRETS_PARAMETER is required');
    return {
      queueUrlPrefix,
      tableName,
      gzipThresholdBytes: gzipThresholdBytes ?? DEFAULT_GZIP_THRESHOLD_BYTES,
      maxBodyBytes: maxBodyBytes ?? MAX_RAW_LIMIT,
      sqsRetryBudgetMs: sqsRetryBudgetMs ?? DEFAULT_SQS_RETRY_BUDGET_MS,
      spilloverTimeoutMs: spilloverTimeoutMs ?? DEFAULT_SPILLOVER_TIMEOUT_MS,
      secretsTtlMs: secretsTtlMs ?? DEFAULT_SECRETS_TTL_MS,
      secrets,
    };
  });

export interface ParameterFetchDeps {
  fetch: typeof fetch;
  /** `AWS_SESSION_TOKEN`: the extension's only authentication. */
  sessionToken: string | undefined;
  /** `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`, default 2773. */
  port?: number;
}

/**
 * Reads an SSM SecureString through the AWS Parameters and Secrets Lambda Extension (a layer, see
 * serverless.yml) over its localhost HTTP API: no SSM SDK in the bundle, and the extension caches.
 * The extension can only be called during INVOKE, not during INIT
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html,
 * "How the extension works"), so this runs from a request, never at import. Bounded by `signal`:
 * the caller's deadline covers every try, and a 400 (extension still starting) is retried until then.
 */
export const fetchParameterViaExtension = async (
  name: string,
  deps: ParameterFetchDeps,
  signal: AbortSignal = AbortSignal.timeout(SECRETS_LOAD_TIMEOUT_MS),
): Promise<string> => {
  if (deps.sessionToken === undefined) throw new ConfigError('AWS_SESSION_TOKEN is not set; cannot read SSM');
  const url = `http://localhost:${deps.port ?? 2773}/systemsmanager/parameters/get?name=${encodeURIComponent(name)}&withDecryption=true`;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && !signal.aborted; attempt++) {
    try {
      const response = await deps.fetch(url, {
        headers: { 'X-Aws-Parameters-Secrets-Token': deps.sessionToken },
        signal,
      });
      if (response.ok) {
        const json = (await response.json()) as { Parameter?: { Value?: unknown } };
        const value = json.Parameter?.Value;
        if (typeof value !== 'string') throw new ConfigError(`SSM parameter ${name} has no string value`);
        return value;
      }
      await response.body?.cancel();
      // 400 while the extension is still starting; 403/404 will not heal, but a retry costs little.
      lastError = new ConfigError(`SSM parameter ${name}: the extension answered ${response.status}`);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      lastError = error;
    }
    if (signal.aborted || attempt === 4) break;
    await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
  }
  throw new ConfigError(`SSM parameter ${name} could not be read through the extension`, {
    cause: lastError ?? signal.reason,
  });
};
