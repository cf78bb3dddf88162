import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { HttpHandler } from './handlers.ts';
import {
  answerClientError,
  fromHandlerResult,
  lambdaContext,
  matchWebhookPath,
  PayloadTooLargeError,
  readRequest,
  toApiGatewayEvent,
  writeJson,
  writeResult,
} from './http-adapter.ts';
import { StackStartError } from './start-error.ts';

/**
 * The local API Gateway: an HTTP server that answers `/health`, feeds `/webhooks/{source}` to the
 * ingest handler as API Gateway v2 events, and answers what API Gateway answers on its own (413, 500
 * when the integration throws, 503 until the ingest is loaded or once the stack is stopping).
 */

/** API Gateway HTTP APIs refuse payloads over 10 MB before any function runs. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;

/** One answered request to `/webhooks/{source}`, for the `stripe listen`-style log. */
export interface RequestSummary {
  method: string;
  source: string | null;
  status: number;
  /** The answer's `status` field (`accepted`, `archived`, `quarantined`, `error`), when JSON. */
  outcome: string | null;
  event: string | null;
  /** The answer's `error.code`, for refusals. */
  error: string | null;
  ms: number;
}

export type HealthCheck = () => Promise<{ ok: boolean; body: unknown }>;

export interface GatewayOptions {
  log: (line: string) => void;
  onRequest?: ((request: RequestSummary) => void) | undefined;
}

export interface Gateway {
  /** Binds the port (0 picks a free one) and returns it. */
  listen(port: number, host: string): Promise<number>;
  /** Starts forwarding webhooks to the ingest handler. */
  serve(ingest: HttpHandler): void;
  setHealthCheck(check: HealthCheck): void;
  /** Stops taking requests and waits for the ones in flight. */
  close(): Promise<void>;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const summarize = (
  method: string,
  path: string,
  status: number,
  body: Buffer | undefined,
  started: number,
) => {
  let answer: { status?: unknown; event?: unknown; error?: { code?: unknown } } = {};
  try {
    answer = body === undefined ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    // not JSON: no outcome to show
  }
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  return {
    method,
    source: matchWebhookPath(path),
    status,
    outcome: text(answer.status),
    event: text(answer.event),
    error: text(answer.error?.code),
    ms: Date.now() - started,
  };
};

const listenOn = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE')
        reject(
          new StackStartError(`port ${port} on ${host} is already in use: stop what runs there or set PORT`),
        );
      else if (error.code === 'EACCES')
        reject(
          new StackStartError(`port ${port} on ${host} is not allowed for this user: set PORT above 1023`),
        );
      else reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });

export const createGateway = ({ log, onRequest }: GatewayOptions): Gateway => {
  let ingest: HttpHandler | undefined;
  let accepting = true;
  let checkHealth: HealthCheck = async () => ({ ok: false, body: { status: 'starting' } });
  const inFlightRequests = new Set<Promise<void>>();
  const report = (method: string, path: string, status: number, body: Buffer | undefined, started: number) =>
    onRequest?.(summarize(method, path, status, body, started));

  const server = createServer((request, response) => {
    const started = Date.now();
    const work = (async () => {
      try {
        const raw = await readRequest(request, API_GATEWAY_MAX_BODY);
        const path = raw.url.split('?')[0] ?? '/';
        if (path === '/health' && (raw.method === 'GET' || raw.method === 'HEAD')) {
          const health = await checkHealth();
          writeJson(response, health.ok ? 200 : 503, health.body);
          return;
        }
        if (matchWebhookPath(path) === null) {
          writeJson(response, 404, {
            status: 'error',
            error: { code: 'not_found', message: `no route for ${path}` },
          });
          return;
        }
        if (ingest === undefined || !accepting) {
          writeJson(
            response,
            503,
            { status: 'error', error: { code: 'unavailable', message: 'the local stack is not ready' } },
            { 'retry-after': '1' },
          );
          return;
        }
        let result: APIGatewayProxyResultV2<unknown>;
        try {
          result = await ingest(toApiGatewayEvent(raw), lambdaContext('ingest', 10));
        } catch (error) {
          // What API Gateway answers when the integration throws.
          log(`ingest: unhandled error: ${describe(error)}`);
          writeJson(response, 500, { message: 'Internal Server Error' });
          report(raw.method, path, 500, undefined, started);
          return;
        }
        const answer = fromHandlerResult(result);
        writeResult(response, answer);
        report(raw.method, path, answer.statusCode, answer.body, started);
      } catch (error) {
        if (error instanceof PayloadTooLargeError)
          writeJson(response, 413, { message: 'Request Entity Too Large' });
        else if (!response.headersSent) writeJson(response, 500, { message: 'Internal Server Error' });
      }
    })();
    inFlightRequests.add(work);
    void work.finally(() => inFlightRequests.delete(work));
  });
  // Oversized headers and unparsable requests get a JSON answer, not Node's bare 431/400.
  server.on('clientError', answerClientError);

  return {
    listen: (port, host) => listenOn(server, port, host),
    serve: (handler) => {
      ingest = handler;
    },
    setHealthCheck: (check) => {
      checkHealth = check;
    },
    close: async () => {
      accepting = false;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.allSettled(inFlightRequests);
    },
  };
};
