import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '#lib/errors.ts';
import { parseSources } from '#lib/ingest/sources.ts';

/**
 * The local stack's webhook sources. They come from `WEBHOOK_SECRETS`, the same JSON the ingest
 * reads (`{"acme":"s3cret"}` or `{"acme":["new","old"]}`); with none set, a `demo` source with a
 * random secret is created once and kept under the data directory, so it survives restarts.
 */

export interface LocalSource {
  name: string;
  /** Signing secrets, newest first (the first one signs `mhub send`). */
  secrets: string[];
  /** URL tokens, for senders that cannot sign. */
  tokens: string[];
  accountId: number | null;
}

export const DEMO_SOURCE = 'demo';

/**
 * Validates `WEBHOOK_SECRETS` with the ingest's own parser (so the stack fails at start, in one
 * line, on exactly what the ingest would refuse) and lists its sources.
 */
export const parseWebhookSecrets = (raw: string): LocalSource[] => {
  let sources: ReturnType<typeof parseSources>;
  try {
    sources = parseSources(raw);
  } catch (error) {
    throw new ConfigError(`WEBHOOK_SECRETS: ${(error as Error).message}`);
  }
  if (sources.size === 0) throw new ConfigError('WEBHOOK_SECRETS has no sources');
  return [...sources].map(([name, config]) => ({
    name,
    secrets: [...config.secrets],
    tokens: [...config.tokens],
    accountId: config.accountId,
  }));
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
    sources: [{ name: DEMO_SOURCE, secrets: [secret], tokens: [], accountId: null }],
    webhookSecretsJson: JSON.stringify({ [DEMO_SOURCE]: secret }),
  };
};
