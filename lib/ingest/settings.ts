import * as v from 'valibot';
import { ConfigError } from '../errors.ts';
import { DEFAULT_GZIP_THRESHOLD_BYTES } from '../events/envelope.ts';
import { parseSources, type Sources } from './sources.ts';

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
  /** Time for the spillover write. Budget + this stays well inside the sender's 5 s timeout. */
  spilloverTimeoutMs: number;
  secrets: { from: 'env'; json: string } | { from: 'parameter'; name: string };
}

/** Lambda's synchronous payload limit is 6 MB and base64 adds a third: 4 MiB raw still fits. */
const MAX_RAW_LIMIT = 4 * 1024 * 1024;

const integer = (min: number, max: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[0-9]+$/, 'must be a whole number'),
      v.transform(Number),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
    ),
  );

const EnvSchema = v.object({
  QUEUE_URL_PREFIX: v.pipe(v.string('is not set'), v.url('must be a URL prefix')),
  TABLE_NAME: v.pipe(v.string('is not set'), v.minLength(3, 'is too short')),
  WEBHOOK_SECRETS: v.optional(v.pipe(v.string(), v.minLength(2))),
  WEBHOOK_SECRETS_PARAMETER: v.optional(v.pipe(v.string(), v.minLength(1))),
  GZIP_THRESHOLD_BYTES: integer(0, 1_048_576),
  MAX_BODY_BYTES: integer(1, MAX_RAW_LIMIT),
  SQS_RETRY_BUDGET_MS: integer(50, 3000),
  SPILLOVER_TIMEOUT_MS: integer(100, 2000),
});

/** Validates the ingest's environment. Throws ConfigError naming every bad variable (never a value). */
export const readIngestSettings = (env: NodeJS.ProcessEnv): IngestSettings => {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = v.safeParse(EnvSchema, blankless);
  if (!parsed.success) {
    const details = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? '?'} ${issue.message}`).join('; ');
    throw new ConfigError(`ingest configuration is invalid: ${details}`);
  }
  const e = parsed.output;
  let secrets: IngestSettings['secrets'];
  if (e.WEBHOOK_SECRETS !== undefined && e.WEBHOOK_SECRETS_PARAMETER !== undefined)
    throw new ConfigError('set WEBHOOK_SECRETS or WEBHOOK_SECRETS_PARAMETER, not both');
  else if (e.WEBHOOK_SECRETS !== undefined) secrets = { from: 'env', json: e.WEBHOOK_SECRETS };
  else if (e.WEBHOOK_SECRETS_PARAMETER !== undefined)
    secrets = { from: 'parameter', name: e.WEBHOOK_SECRETS_PARAMETER };
  else
    throw new ConfigError(
      'ingest configuration is invalid: WEBHOOK_SECRETS or WEBHOOK_SECRETS_PARAMETER is required',
    );
  return {
    queueUrlPrefix: e.QUEUE_URL_PREFIX,
    tableName: e.TABLE_NAME,
    gzipThresholdBytes: e.GZIP_THRESHOLD_BYTES ?? DEFAULT_GZIP_THRESHOLD_BYTES,
    maxBodyBytes: e.MAX_BODY_BYTES ?? MAX_RAW_LIMIT,
    sqsRetryBudgetMs: e.SQS_RETRY_BUDGET_MS ?? 1500,
    spilloverTimeoutMs: e.SPILLOVER_TIMEOUT_MS ?? 1500,
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
 */
export const fetchParameterViaExtension = async (name: string, deps: ParameterFetchDeps): Promise<string> => {
  if (deps.sessionToken === undefined) throw new ConfigError('AWS_SESSION_TOKEN is not set; cannot read SSM');
  const url = `http://localhost:${deps.port ?? 2773}/systemsmanager/parameters/get?name=${encodeURIComponent(name)}&withDecryption=true`;
  let lastError: unknown;
  // The extension can take a moment to start listening at cold start.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const response = await deps.fetch(url, {
        headers: { 'X-Aws-Parameters-Secrets-Token': deps.sessionToken },
        signal: AbortSignal.timeout(1000),
      });
      if (response.ok) {
        const json = (await response.json()) as { Parameter?: { Value?: unknown } };
        const value = json.Parameter?.Value;
        if (typeof value !== 'string') throw new ConfigError(`SSM parameter ${name} has no string value`);
        return value;
      }
      // 400 while the extension is still starting; 403/404 will not heal, but a retry costs little.
      lastError = new ConfigError(`SSM parameter ${name}: the extension answered ${response.status}`);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
  }
  throw new ConfigError(`SSM parameter ${name} could not be read through the extension`, {
    cause: lastError,
  });
};

/** The configured sources, from the environment JSON or (on AWS) the SSM parameter. */
export const loadSources = async (settings: IngestSettings, deps: ParameterFetchDeps): Promise<Sources> =>
  parseSources(
    settings.secrets.from === 'env'
      ? settings.secrets.json
      : await fetchParameterViaExtension(settings.secrets.name, deps),
  );
