import { envNames } from '../contracts/env.ts';
import {
  ANSWER_BOUND_MS,
  DEFAULT_GZIP_THRESHOLD_BYTES,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_SECRETS_TTL_MS,
  DEFAULT_SPILLOVER_TIMEOUT_MS,
  DEFAULT_SQS_RETRY_BUDGET_MS,
  PROCESSING_ALLOWANCE_MS,
  SECRETS_LOAD_TIMEOUT_MS,
} from '../contracts/limits.ts';
import { ConfigError } from '../errors.ts';

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
export const SECRETS_TTL_SETTING = envNames.webhookSecretsTtlMs;
export {
  ANSWER_BOUND_MS,
  DEFAULT_SECRETS_TTL_MS,
  DEFAULT_SPILLOVER_TIMEOUT_MS,
  DEFAULT_SQS_RETRY_BUDGET_MS,
  SECRETS_LOAD_TIMEOUT_MS,
};

/** Lambda's synchronous payload limit is 6 MB and base64 adds a third: 4 MiB raw still fits. */
const MAX_RAW_LIMIT = DEFAULT_MAX_BODY_BYTES;

// Validated by hand rather than with valibot: this runs in the ingest's cold start, where loading
// valibot measurably costs milliseconds (npm run bench, budget a). Messages name variables, never values.

/** An optional whole-number setting within [min, max]; a problem is recorded instead of thrown. */
const wholeNumber = (
  env: NodeJS.ProcessEnv,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^[0-9]+$/.test(raw)) {
    problems.push(`${name} must be a whole number`);
    return undefined;
  }
  const value = Number(raw);
  if (value < min) problems.push(`${name} must be at least ${min}`);
  else if (value > max) problems.push(`${name} must be at most ${max}`);
  return value;
};

/** Validates the ingest's environment. Throws ConfigError naming every bad variable (never a value). */
export const readIngestSettings = (env: NodeJS.ProcessEnv): IngestSettings => {
  const problems: string[] = [];
  const text = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const queueUrlPrefix = text('QUEUE_URL_PREFIX');
  if (queueUrlPrefix === undefined) problems.push('QUEUE_URL_PREFIX is not set');
  else if (!URL.canParse(queueUrlPrefix)) problems.push('QUEUE_URL_PREFIX must be a URL prefix');
  const tableName = text('TABLE_NAME');
  if (tableName === undefined) problems.push('TABLE_NAME is not set');
  else if (tableName.length < 3) problems.push('TABLE_NAME is too short');
  const secretsJson = text('WEBHOOK_SECRETS');
  if (secretsJson !== undefined && secretsJson.length < 2) problems.push('WEBHOOK_SECRETS is too short');
  const secretsParameter = text('WEBHOOK_SECRETS_PARAMETER');
  const gzipThresholdBytes = wholeNumber(env, 'GZIP_THRESHOLD_BYTES', 0, 1_048_576, problems);
  const maxBodyBytes = wholeNumber(env, 'MAX_BODY_BYTES', 1, MAX_RAW_LIMIT, problems);
  const sqsRetryBudgetMs = wholeNumber(env, 'SQS_RETRY_BUDGET_MS', 50, 3000, problems);
  const spilloverTimeoutMs = wholeNumber(env, 'SPILLOVER_TIMEOUT_MS', 100, 2000, problems);
  const secretsTtlMs = wholeNumber(env, SECRETS_TTL_SETTING, 0, 24 * 60 * 60 * 1000, problems);
  // Secrets load + SQS + spillover, one after another, must still answer within ANSWER_BOUND_MS.
  const worstCaseMs =
    SECRETS_LOAD_TIMEOUT_MS +
    (sqsRetryBudgetMs ?? DEFAULT_SQS_RETRY_BUDGET_MS) +
    (spilloverTimeoutMs ?? DEFAULT_SPILLOVER_TIMEOUT_MS) +
    PROCESSING_ALLOWANCE_MS;
  if (worstCaseMs > ANSWER_BOUND_MS)
    problems.push(
      `SQS_RETRY_BUDGET_MS + SPILLOVER_TIMEOUT_MS must be at most ${ANSWER_BOUND_MS - SECRETS_LOAD_TIMEOUT_MS - PROCESSING_ALLOWANCE_MS} (the ${ANSWER_BOUND_MS} ms answer bound)`,
    );
  if (problems.length > 0) throw new ConfigError(`ingest configuration is invalid: ${problems.join('; ')}`);

  let secrets: IngestSettings['secrets'];
  if (secretsJson !== undefined && secretsParameter !== undefined)
    throw new ConfigError('set WEBHOOK_SECRETS or WEBHOOK_SECRETS_PARAMETER, not both');
  else if (secretsJson !== undefined) secrets = { from: 'env', json: secretsJson };
  else if (secretsParameter !== undefined) secrets = { from: 'parameter', name: secretsParameter };
  else
    throw new ConfigError(
      'ingest configuration is invalid: WEBHOOK_SECRETS or WEBHOOK_SECRETS_PARAMETER is required',
    );
  return {
    queueUrlPrefix: queueUrlPrefix as string,
    tableName: tableName as string,
    gzipThresholdBytes: gzipThresholdBytes ?? DEFAULT_GZIP_THRESHOLD_BYTES,
    maxBodyBytes: maxBodyBytes ?? MAX_RAW_LIMIT,
    sqsRetryBudgetMs: sqsRetryBudgetMs ?? DEFAULT_SQS_RETRY_BUDGET_MS,
    spilloverTimeoutMs: spilloverTimeoutMs ?? DEFAULT_SPILLOVER_TIMEOUT_MS,
    secretsTtlMs: secretsTtlMs ?? DEFAULT_SECRETS_TTL_MS,
    secrets,
  };
};

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
