import { readFileSync } from 'node:fs';
import { chatwootJson } from '../../events/chatwoot-json.ts';
import { deliveryHeader, signedHeaders } from '../../signing.ts';
import { CliError, networkCode } from '../errors.ts';
import { type Io, printJson } from '../io.ts';
import { localState, NOT_RUNNING } from '../target.ts';

/**
 * `mhub send <file> --source <name> [--secret <s>] [--url <base>]`: signs a payload like a current
 * Chatwoot sender (timestamp now, HMAC over the exact bytes sent) and POSTs it to
 * `<base>/webhooks/<source>`.
 */

export interface Delivery {
  /** The exact bytes to send. */
  body: string;
  /** Headers kept from a captured delivery (`x-chatwoot-delivery`, `user-agent`). */
  headers: Record<string, string>;
}

const KEPT_HEADERS = new Set([deliveryHeader, 'user-agent']);

/**
 * A file holds either a payload (`{"event": ...}`), sent as compact Chatwoot-style JSON, or a
 * captured delivery `{"headers": {...}, "body": {...} | "<raw>"}`: a string body is sent byte for
 * byte, an object body is serialised like Chatwoot does; the delivery id and user agent are kept,
 * the old signature and timestamp are replaced.
 */
export const readDelivery = (file: string): Delivery => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliError(`${file} must hold a JSON object: a payload or {"headers": ..., "body": ...}`);
  const record = parsed as Record<string, unknown>;
  const isCapture = !('event' in record) && 'body' in record && 'headers' in record;
  if (!isCapture) return { body: chatwootJson(record), headers: {} };
  const headers: Record<string, string> = {};
  if (typeof record.headers === 'object' && record.headers !== null) {
    for (const [name, value] of Object.entries(record.headers as Record<string, unknown>)) {
      const lower = name.toLowerCase();
      if (KEPT_HEADERS.has(lower) && (typeof value === 'string' || typeof value === 'number'))
        headers[lower] = String(value);
    }
  }
  const body = typeof record.body === 'string' ? record.body : chatwootJson(record.body);
  return { body, headers };
};

export interface SendOptions {
  file: string;
  source: string;
  secret?: string | undefined;
  token?: string | undefined;
  url?: string | undefined;
  stage?: string | undefined;
  json: boolean;
}

export interface SendResult {
  status: number;
  body: unknown;
}

export const send = async (options: SendOptions, io: Io): Promise<SendResult> => {
  const delivery = readDelivery(options.file);
  let base = options.url;
  let secret = options.secret;
  let token = options.token;
  if (base === undefined || (secret === undefined && token === undefined)) {
    if (options.stage !== undefined)
      throw new CliError(
        `${base === undefined ? '--url' : '--secret'} is required with --stage (the webhook URL is the stack output WebhookUrl; secrets live in SSM)`,
      );
    const state = localState(io.env);
    base ??= state.endpoint;
    if (secret === undefined && token === undefined) {
      const source = state.sources.find((candidate) => candidate.name === options.source);
      if (source === undefined)
        throw new CliError(
          `unknown source ${options.source}: the local stack has ${state.sources.map((s) => s.name).join(', ')} (or pass --secret)`,
        );
      secret = source.secrets[0];
      if (secret === undefined) token = source.tokens[0];
    }
  }
  let url: URL;
  try {
    url = new URL(`${base.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(options.source)}`);
  } catch {
    throw new CliError(`--url must be a base URL such as http://127.0.0.1:3000, got ${base}`);
  }
  const headers: Record<string, string> = {
    'user-agent': 'mhub',
    accept: 'application/json',
    ...delivery.headers,
  };
  if (secret !== undefined) Object.assign(headers, signedHeaders(secret, delivery.body));
  else {
    headers['content-type'] = 'application/json';
    if (token !== undefined) url.searchParams.set('token', token);
  }

  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: delivery.body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const code = networkCode(error);
    if (code === 'ECONNREFUSED' && options.url === undefined) throw new CliError(NOT_RUNNING);
    throw new CliError(`cannot reach ${url.origin}: ${code ?? (error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: print it as it came
  }
  if (options.json) printJson(io, { status: response.status, body });
  else
    io.out(
      `${response.status} ${response.statusText}\n${typeof body === 'string' ? body : JSON.stringify(body)}\n`,
    );
  return { status: response.status, body };
};
