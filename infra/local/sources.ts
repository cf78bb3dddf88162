import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lib/errors.ts';

/**
 * The local stack's webhook sources. They come from `WEBHOOK_SECRETS`, the same JSON the ingest
 * reads (`{"acme":"s3cret"}` or `{"acme":["new","old"]}`); with none set, a `demo` source with a
 * random secret is created once and kept under the data directory, so it survives restarts.
 */

export interface LocalSource {
  name: string;
  /** Signing secrets, newest first (the first one signs `mhub send`). */
  secrets: string[];
  /** The source's URL token, for senders that cannot sign. */
  token?: string;
}

export const DEMO_SOURCE = 'demo';
const SOURCE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const nonEmptyStrings = (value: unknown): string[] | undefined => {
  if (typeof value === 'string') return value === '' ? undefined : [value];
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => typeof item === 'string' && item !== '')
  )
    return value as string[];
  return undefined;
};

/**
 * Validates `WEBHOOK_SECRETS` enough to fail at start with one clear line, and lists its sources.
 * A value is a secret, a list of secrets, or an object (the ingest's richer form) whose `secrets`,
 * `secret` and `token` are read here; the ingest keeps the authority on everything else.
 */
export const parseWebhookSecrets = (raw: string): LocalSource[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`WEBHOOK_SECRETS is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError(
      'WEBHOOK_SECRETS must be a JSON object such as {"acme":"s3cret"} or {"acme":["new","old"]}',
    );
  const sources = Object.entries(parsed as Record<string, unknown>).map(([name, value]): LocalSource => {
    if (!SOURCE_NAME.test(name))
      throw new ConfigError(
        `WEBHOOK_SECRETS: source name "${name}" must be 1-64 letters, digits, "-" or "_"`,
      );
    const direct = nonEmptyStrings(value);
    if (direct !== undefined) return { name, secrets: direct };
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const secrets = nonEmptyStrings(record.secrets) ?? nonEmptyStrings(record.secret) ?? [];
      const token = typeof record.token === 'string' && record.token !== '' ? record.token : undefined;
      if (secrets.length > 0 || token !== undefined) return { name, secrets, ...(token ? { token } : {}) };
    }
    throw new ConfigError(`WEBHOOK_SECRETS: source "${name}" needs a non-empty secret or list of secrets`);
  });
  if (sources.length === 0) throw new ConfigError('WEBHOOK_SECRETS has no sources');
  return sources;
};

/** The demo source's secret, created on first use and kept (mode 0600) under `dataDir`. */
export const demoSecret = (dataDir: string): string => {
  const file = join(dataDir, 'demo-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept !== '') return kept;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
};

/**
 * The sources for a stack: the given `WEBHOOK_SECRETS` value if any, else the demo source. Returns
 * the JSON to hand the ingest as `WEBHOOK_SECRETS` too.
 */
export const resolveSources = (
  webhookSecrets: string | undefined,
  dataDir: string,
): { sources: LocalSource[]; webhookSecretsJson: string } => {
  if (webhookSecrets !== undefined && webhookSecrets.trim() !== '')
    return { sources: parseWebhookSecrets(webhookSecrets), webhookSecretsJson: webhookSecrets };
  const secret = demoSecret(dataDir);
  return {
    sources: [{ name: DEMO_SOURCE, secrets: [secret] }],
    webhookSecretsJson: JSON.stringify({ [DEMO_SOURCE]: secret }),
  };
};
