import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { EmulatorError } from '#infra/local/emulators.ts';
import { DEMO_SOURCE } from '#infra/local/sources.ts';
import {
  type LocalStack,
  type RequestSummary,
  StackStartError,
  startLocalStack,
} from '#infra/local/stack.ts';
import { ConfigError } from '#lib/errors.ts';

/**
 * `npm start [-- --in-memory] [-- --port N]`: the whole pipeline on this machine. Any start-up
 * failure is one line on stderr and exit code 1.
 */

const usage = `usage: npm start [-- --in-memory] [-- --port <n>] [-- --quiet]
  --in-memory   keep nothing: DynamoDB Local and the queues run in memory
  --port <n>    HTTP port (default: PORT or 3000)
  --quiet       no line per request
  --chatwoot-double  also serve a Chatwoot API double, to try mhub backfill (docs/reconcile.md)`;

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

const parseOptions = () => {
  try {
    return parseArgs({
      options: {
        'in-memory': { type: 'boolean' },
        port: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        'chatwoot-double': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail(`${(error as Error).message} (try --help)`);
  }
};
const values = parseOptions();
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
  fail(`--port must be a port number, got ${values.port}`);

const banner = (stack: LocalStack): string => {
  const dataDir = relative(process.cwd(), stack.dataDir) || '.';
  const lines = [
    '',
    'MessageHub webhooks: local stack ready',
    '',
    `  webhooks  POST ${stack.endpoint}/webhooks/{source}`,
    `  health    GET  ${stack.endpoint}/health`,
    `  data      ${stack.inMemory ? 'in memory (nothing is kept)' : `${dataDir}/ (DynamoDB Local and queues)`}`,
    `  table     ${stack.tableName}`,
  ];
  for (const source of stack.sources) {
    const detail = stack.demoSource
      ? `secret ${source.secrets[0]} (kept in ${dataDir}/demo-secret)`
      : `${source.secrets.length} secret(s)${source.tokens.length > 0 ? ' + URL token' : ''}, from WEBHOOK_SECRETS`;
    lines.push(`  source    ${source.name}: ${detail}`);
  }
  if (stack.unpolledRoutes.length > 0)
    lines.push(`  warning   no worker yet for ${stack.unpolledRoutes.join(', ')}`);
  const source = stack.sources[0]?.name ?? DEMO_SOURCE;
  const portFlag = stack.port === 3000 ? '' : ` --port ${stack.port}`;
  lines.push(
    '',
    'Send a sample from another terminal, then read it back:',
    `  npx mhub send examples/message_created.json --source ${source}${portFlag}`,
    `  npx mhub conversation 1 7${portFlag}`,
    `  npx mhub status${portFlag}`,
    '',
    values.quiet ? '' : 'One line per request below (--quiet silences them).',
    'Ctrl-C stops it (in-flight batches are drained first).',
    '',
  );
  return lines.join('\n');
};

const useColor = process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const paint = (code: number, text: string): string => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);

/** One line per request, like `stripe listen`: time, method, source, status, outcome, event, ms. */
const requestLine = (request: RequestSummary, now: Date = new Date()): string => {
  const ok = request.status >= 200 && request.status < 300;
  const outcome = request.error ?? request.outcome ?? '';
  return [
    now.toISOString().slice(11, 23),
    request.method.padEnd(4),
    `/webhooks/${request.source ?? '?'}`.padEnd(20),
    paint(ok ? (request.outcome === 'accepted' ? 32 : 33) : 31, `${request.status} ${outcome}`.padEnd(28)),
    (request.event ?? '-').padEnd(28),
    `${request.ms} ms`,
  ].join('  ');
};

/**
 * The handlers log Powertools JSON (what CloudWatch wants); on a terminal a warning reads better as
 * one line: time, level, message, then the keys that say which event it was.
 */
const LOG_KEYS = ['source', 'event', 'account', 'route', 'reason', 'correlation_id', 'error'];
const humanLog = (line: string): string | undefined => {
  if (!line.startsWith('{"level":')) return undefined;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const keys = LOG_KEYS.filter((key) => entry[key] !== undefined && entry[key] !== null)
      .map((key) => `${key}=${typeof entry[key] === 'string' ? entry[key] : JSON.stringify(entry[key])}`)
      .join(' ');
    const level = String(entry.level);
    const time = typeof entry.timestamp === 'string' ? entry.timestamp.slice(11, 23) : '';
    return `${time}  ${paint(level === 'WARN' ? 33 : level === 'ERROR' || level === 'CRITICAL' ? 31 : 2, level.padEnd(5))} ${String(entry.message)}  ${keys}`;
  } catch {
    return undefined;
  }
};
// Powertools writes INFO to stdout and WARN/ERROR to stderr; MHUB_JSON_LOGS=1 keeps the raw JSON.
const humanize = (stream: NodeJS.WriteStream): void => {
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const lines = text.split('\n');
    const human = lines.map((part) => humanLog(part) ?? part);
    return human.some((part, index) => part !== lines[index])
      ? write(human.join('\n'), ...rest)
      : write(chunk, ...rest);
  }) as typeof stream.write;
};
if (process.env.MHUB_JSON_LOGS !== '1') {
  humanize(process.stdout);
  humanize(process.stderr);
}

const main = async (): Promise<void> => {
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      ...(port === undefined ? {} : { port }),
      inMemory: values['in-memory'] ?? false,
      ...(values.quiet
        ? {}
        : { onRequest: (request: RequestSummary) => process.stdout.write(`${requestLine(request)}\n`) }),
    });
  } catch (error) {
    if (error instanceof StackStartError || error instanceof ConfigError || error instanceof EmulatorError)
      return fail(error.message);
    return fail(`could not start: ${(error as Error).message ?? String(error)}`);
  }
  process.stdout.write(banner(stack));
  if (values['chatwoot-double']) {
    const { startSeededDouble } = await import('#test/doubles/start-double.ts');
    process.stdout.write(`${(await startSeededDouble(stack.sources[0]?.name ?? DEMO_SOURCE)).banner}\n`);
  }

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write('forced exit\n');
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`\n${signal}: draining in-flight batches and stopping (Ctrl-C again to force)...\n`);
    stack
      .stop()
      .then(() => {
        process.stderr.write('stopped.\n');
        process.exit(0);
      })
      .catch((error: unknown) => fail(`stop failed: ${(error as Error).message}`));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
};

void main();
