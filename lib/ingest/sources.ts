import * as v from 'valibot';
import { ConfigError } from '../errors.ts';

/**
 * Configured senders (`/webhooks/{source}`). `WEBHOOK_SECRETS` (or the SSM parameter that holds the
 * same JSON on AWS) maps a source name to one of:
 * - `"s3cret"`: one signing secret;
 * - `["new", "old"]`: several secrets, any of which verifies (zero-downtime rotation);
 * - `{ "secrets": [...], "token": "..." | [...], "accountId": 1 }`: the full form. `token` enables
 *   the URL-token mode (`?token=...`) for senders that cannot sign (automation rules, macros);
 *   `accountId` is the account used when a payload names none. `secret` is accepted as an alias.
 */
export interface SourceConfig {
  secrets: readonly string[];
  tokens: readonly string[];
  accountId: number | null;
}

export type Sources = ReadonlyMap<string, SourceConfig>;

/** URL path segment rules: keeps names safe in logs, metrics dimensions and message attributes. */
const SourceNameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'source names are 1-64 letters, digits, "-" or "_"'),
);
const SecretSchema = v.pipe(v.string(), v.minLength(1, 'a secret must not be empty'));
/** A URL token is the whole credential, so it must be long enough not to be guessed. */
const TokenSchema = v.pipe(v.string(), v.minLength(16, 'a token must be at least 16 characters'));

const FullSourceSchema = v.strictObject({
  secrets: v.optional(v.union([SecretSchema, v.array(SecretSchema)])),
  /** Alias of `secrets`, as the local stack also reads it. */
  secret: v.optional(SecretSchema),
  token: v.optional(v.union([TokenSchema, v.array(TokenSchema)])),
  accountId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

const SourceEntrySchema = v.union([
  SecretSchema,
  v.pipe(v.array(SecretSchema), v.minLength(1, 'a source needs at least one secret')),
  FullSourceSchema,
]);

const SourcesSchema = v.record(SourceNameSchema, SourceEntrySchema);

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/**
 * Parses and validates the sources JSON. Throws ConfigError (naming the offending source, never a
 * secret) so a broken configuration fails the cold start loudly instead of answering 401s.
 */
export const parseSources = (json: string): Sources => {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ConfigError('webhook secrets are not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError('webhook secrets must be a JSON object such as {"acme":"s3cret"}');
  const parsed = v.safeParse(SourcesSchema, raw);
  if (!parsed.success) {
    const details = parsed.issues
      .map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`webhook secrets are invalid: ${details}`);
  }
  const sources = new Map<string, SourceConfig>();
  for (const [name, entry] of Object.entries(parsed.output)) {
    const config: SourceConfig =
      typeof entry === 'string' || Array.isArray(entry)
        ? { secrets: asList(entry), tokens: [], accountId: null }
        : {
            secrets: [...asList(entry.secrets), ...asList(entry.secret)],
            tokens: asList(entry.token),
            accountId: entry.accountId ?? null,
          };
    if (config.secrets.length === 0 && config.tokens.length === 0)
      throw new ConfigError(`webhook source ${name} has neither a secret nor a token`);
    sources.set(name, config);
  }
  if (sources.size === 0) throw new ConfigError('webhook secrets name no source');
  return sources;
};
