import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A built function bundle in a fresh Node process, loaded the way Lambda's INIT loads it (import of
 * the ESM entry, top-level await included), then invoked one event at a time like INVOKE. The
 * process sees only the environment given (plus PATH), so nothing of the test process leaks in.
 */
const DRIVER = `
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
const send = (message) => process.stdout.write('@@' + JSON.stringify(message) + '\\n');
const started = performance.now();
let mod;
try {
  mod = await import(pathToFileURL(process.env.BUNDLE_UNDER_TEST).href);
} catch (error) {
  send({ type: 'init-error', message: String(error && error.stack || error) });
  process.exit(1);
}
send({ type: 'imported', ms: performance.now() - started });
const context = {
  functionName: 'ingest', functionVersion: '$LATEST', awsRequestId: 'r', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ingest',
  logGroupName: '/aws/lambda/ingest', logStreamName: 'local', callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 8000, done() {}, fail() {}, succeed() {},
};
for await (const line of createInterface({ input: process.stdin })) {
  const event = JSON.parse(line);
  const at = performance.now();
  try {
    const result = await mod.handler(event, { ...context, awsRequestId: event.requestContext?.requestId ?? 'r' });
    send({ type: 'result', result, ms: performance.now() - at });
  } catch (error) {
    send({ type: 'invoke-error', message: String(error && error.stack || error), ms: performance.now() - at });
  }
}
`;

export interface Invocation {
  result: { statusCode: number; headers?: Record<string, string>; body?: string };
  ms: number;
}

export interface BundleProcess {
  /** Resolves once the import (INIT) finished, with its duration. */
  imported: Promise<{ ms: number }>;
  invoke: (event: unknown) => Promise<Invocation>;
  /** Every other line the process printed on stdout or stderr (log lines), parsed when JSON. */
  logs: () => Record<string, unknown>[];
  /** The first log line matching `predicate`, waiting up to `ms` for it (stderr may lag stdout). */
  waitForLog: (
    predicate: (line: Record<string, unknown>) => boolean,
    ms?: number,
  ) => Promise<Record<string, unknown> | undefined>;
  stop: () => void;
}

export const startBundle = (bundle: string, env: Record<string, string>): BundleProcess => {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', DRIVER], {
    env: { PATH: process.env.PATH ?? '', ...env, BUNDLE_UNDER_TEST: bundle },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  let onImported: (value: { ms: number }) => void = () => {};
  let onInitError: (error: Error) => void = () => {};
  const imported = new Promise<{ ms: number }>((resolve, reject) => {
    onImported = resolve;
    onInitError = reject;
  });
  let stderr = '';
  const keepLog = (line: string): void => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ text: line });
    }
  };
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', keepLog);
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.startsWith('@@')) {
      keepLog(line);
      return;
    }
    const message = JSON.parse(line.slice(2)) as Record<string, unknown>;
    if (message.type === 'imported') onImported({ ms: message.ms as number });
    else if (message.type === 'init-error') onInitError(new Error(String(message.message)));
    else waiting.shift()?.(message);
  });
  child.on('exit', (code) => {
    onInitError(new Error(`bundle process exited (${code}): ${stderr.slice(0, 2000)}`));
    for (const resolve of waiting.splice(0))
      resolve({ type: 'invoke-error', message: `exited ${code}: ${stderr}` });
  });
  return {
    imported,
    invoke: (event) =>
      new Promise<Invocation>((resolve, reject) => {
        waiting.push((message) =>
          message.type === 'result'
            ? resolve({
                result: message.result as Invocation['result'],
                ms: Math.round(message.ms as number),
              })
            : reject(new Error(String(message.message))),
        );
        child.stdin?.write(`${JSON.stringify(event)}\n`);
      }),
    logs: () => logs,
    waitForLog: async (predicate, ms = 2000) => {
      const until = Date.now() + ms;
      for (;;) {
        const found = logs.find(predicate);
        if (found !== undefined || Date.now() > until) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () => {
      child.kill();
    },
  };
};
