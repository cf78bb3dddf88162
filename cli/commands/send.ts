import { readFileSync } from 'node:fs';
import { type CommandSpec, expectPositionals, json, str, targetOptions } from '#cli/args.ts';
import { CliError, networkCode } from '#cli/errors.ts';
import { type Io, printJson } from '#cli/io.ts';
import { localState, NOT_RUNNING } from '#cli/target.ts';
import { chatwootJson } from '#lib/events/chatwoot-json.ts';
import { deliveryHeader, signedHeaders } from '#lib/signing.ts';

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
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`cannot read ${file}: no such file (ENOENT): check the path`);
    if (code === 'EISDIR')
      throw new CliError(
        `cannot read ${file}: it is a folder (EISDIR): pass a JSON file, e.g. examples/message_created.json`,
      );
    if (code === 'EACCES') throw new CliError(`cannot read ${file}: permission denied (EACCES)`);
    throw new CliError(`cannot read ${file}: ${code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${jsonErrorWhere(text, error as Error)}`);
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

/** Where JSON.parse stopped, as `line L column C` (Node's own message has only a position). */
export const jsonErrorWhere = (text: string, error: Error): string => {
  const message = error.message.split('\n')[0] ?? '';
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return message;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return `${message.replace(/ \(line \d+ column \d+\)$/, '')} (line ${line} column ${column})`;
};

export interface SendOptions {
  file: string;
  source: string;
  secret?: string | undefined;
  token?: string | undefined;
  url?: string | undefined;
  stage?: string | undefined;
  port?: number | undefined;
  json: boolean;
}

export interface SendResult {
  status: number;
  body: unknown;
  ms: number;
}

export interface Post {
  /** Base URL, `http://127.0.0.1:3000`. */
  base: string;
  source: string;
  secret?: string | undefined;
  token?: string | undefined;
  delivery: Delivery;
  /** True when the base URL came from the local stack's state (ECONNREFUSED then means it is down). */
  local: boolean;
}

/** Signs (or tokens) a delivery and POSTs it to `<base>/webhooks/<source>`. */
export const deliver = async (post: Post): Promise<SendResult & { statusText: string }> => {
  let url: URL;
  try {
    url = new URL(`${post.base.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(post.source)}`);
  } catch {
    throw new CliError(`--url must be a base URL such as http://127.0.0.1:3000, got ${post.base}`);
  }
  const headers: Record<string, string> = {
    'user-agent': 'mhub',
    accept: 'application/json',
    ...post.delivery.headers,
  };
  if (post.secret !== undefined) Object.assign(headers, signedHeaders(post.secret, post.delivery.body));
  else {
    headers['content-type'] = 'application/json';
    if (post.token !== undefined) url.searchParams.set('token', post.token);
  }
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: post.delivery.body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const code = networkCode(error);
    if (code === 'ECONNREFUSED' && post.local)
      throw new CliError(`${url.origin} refused the connection: ${NOT_RUNNING}`);
    if (code === 'ECONNREFUSED')
      throw new CliError(
        `${url.origin} refused the connection (ECONNREFUSED): is the stack running? (npm start), or check --url`,
      );
    throw new CliError(
      `cannot reach ${url.origin}: ${code ?? ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`,
    );
  }
  const text = await response.text();
  const ms = Math.round(performance.now() - started);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: print it as it came
  }
  return { status: response.status, statusText: response.statusText, body, ms };
};

/** Where to send and with which credential: the flags, else the running local stack. */
export const resolveCredential = (
  options: Pick<SendOptions, 'source' | 'secret' | 'token' | 'url' | 'stage' | 'port'>,
  env: NodeJS.ProcessEnv,
): { base: string; secret?: string | undefined; token?: string | undefined; local: boolean } => {
  let base = options.url;
  let secret = options.secret;
  let token = options.token;
  if (base === undefined || (secret === undefined && token === undefined)) {
    if (options.stage !== undefined)
      throw new CliError(
        `${base === undefined ? '--url' : '--secret'} is required with --stage (the webhook URL is the stack output WebhookUrl; secrets live in SSM)`,
      );
    const state = localState(env, options.port);
    base ??= state.endpoint;
    if (secret === undefined && token === undefined) {
      const source = state.sources.find((candidate) => candidate.name === options.source);
      if (source === undefined)
        throw new CliError(
          `unknown source ${options.source}: the local stack has ${state.sources.map((s) => s.name).join(', ')} (pass --source <name>, or --secret)`,
        );
      secret = source.secrets[0];
      if (secret === undefined) token = source.tokens[0];
    }
  }
  return { base, secret, token, local: options.url === undefined };
};

/** What a 401 most likely means, for the line after it. */
export const UNAUTHORIZED_HINT =
  "hint: 401 means the signature or token was refused: check that --secret is the source's secret (locally: the one `npm start` printed), that --source names the right source, and that this clock is within 300 s of the receiver's; the precise reason is in the stack's log";

export const send = async (options: SendOptions, io: Io): Promise<SendResult> => {
  const delivery = readDelivery(options.file);
  const credential = resolveCredential(options, io.env);
  const result = await deliver({ ...credential, source: options.source, delivery });
  if (options.json) printJson(io, { status: result.status, body: result.body });
  else
    io.out(
      `${result.status} ${result.statusText}\n${typeof result.body === 'string' ? result.body : JSON.stringify(result.body)}\n`,
    );
  if (result.status === 401) io.err(`${UNAUTHORIZED_HINT}\n`);
  if (result.status === 404 && credential.local)
    io.err(`hint: no source named ${options.source} here: \`mhub status\` lists the sources\n`);
  return result;
};

export const sendCommand: CommandSpec = {
  usage: ['send <file> --source <name> [--secret <s> | --token <t>] [--url <base>]'],
  summary: 'sign a payload (or a captured {headers, body}) and POST it',
  details: `  Locally the URL and the source's secret come from the running stack; with --stage pass --url and --secret.
--token sends the unsigned URL-token form (?token=) instead of a signature.`,
  options: {
    source: { type: 'string' },
    secret: { type: 'string' },
    token: { type: 'string' },
    url: { type: 'string' },
  },
  run: async (values, positionals, io) => {
    if (positionals.length === 0)
      throw new CliError(
        'send needs a file and --source <name>: mhub send examples/message_created.json --source demo',
      );
    const [file] = expectPositionals(sendCommand, positionals, 1);
    if (str(values, 'source') === undefined)
      throw new CliError(
        `send needs --source <name>: mhub send ${file} --source demo (\`mhub status\` lists the sources)`,
      );
    if (str(values, 'region') !== undefined && str(values, 'stage') === undefined)
      throw new CliError('--region needs --stage');
    const { port } = targetOptions(values);
    const result = await send(
      {
        file: file!,
        source: str(values, 'source')!,
        secret: str(values, 'secret'),
        token: str(values, 'token'),
        url: str(values, 'url'),
        stage: str(values, 'stage'),
        port,
        json: json(values),
      },
      io,
    );
    return result.status >= 200 && result.status < 300 ? 0 : 1;
  },
};
