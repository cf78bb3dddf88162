import { Agent, request } from 'node:http';

/** One HTTP exchange as the suites see it: status, headers, the body parsed when it is JSON, time. */
export interface Answer {
  /** 0: no answer (connection refused/reset, or the client's own timeout). */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
  ms: number;
  error?: string;
}

export interface RequestSpec {
  method?: string;
  path: string;
  /** Header values; an array sends the header once per value (duplicated headers). */
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

/** A keep-alive HTTP client for one endpoint, `maxSockets` at a time, each request bounded. */
export const httpClient = (endpoint: string, options: { maxSockets?: number; timeoutMs?: number } = {}) => {
  const target = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const timeoutMs = options.timeoutMs ?? 15_000;
  const send = (spec: RequestSpec): Promise<Answer> =>
    new Promise((resolve) => {
      const started = performance.now();
      const body = spec.body ?? '';
      const done = (answer: Omit<Answer, 'ms'>): void =>
        resolve({ ...answer, ms: performance.now() - started });
      let req: ReturnType<typeof request>;
      try {
        req = request(
          {
            agent,
            method: spec.method ?? 'POST',
            hostname: target.hostname,
            port: target.port,
            path: spec.path,
            headers: { ...spec.headers, 'content-length': String(Buffer.byteLength(body)) },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', (error) =>
              done({ status: 0, headers: {}, text: '', json: undefined, error: error.message }),
            );
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let json: unknown;
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
              done({ status: response.statusCode ?? 0, headers: response.headers, text, json });
            });
          },
        );
      } catch (error) {
        // The client itself refuses (an invalid header): nothing was sent.
        done({ status: -1, headers: {}, text: '', json: undefined, error: (error as Error).message });
        return;
      }
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) =>
        done({ status: 0, headers: {}, text: '', json: undefined, error: error.message }),
      );
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
};

/** Runs `task(i)` for i in [0, count), `concurrency` at a time. */
export const runConcurrently = async (
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        await task(index);
      }
    }),
  );
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
