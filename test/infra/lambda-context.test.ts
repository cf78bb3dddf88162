import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lambdaSpecs } from '#infra/serverless/functions.ts';
import { projectRoot } from '#scripts/build.ts';

/**
 * Powertools context on every handler: each log line carries the Lambda request id, the cold-start
 * flag and the function name, and an error escaping a handler is logged with message and stack.
 * Checked on the real Logger's output in a child process (the test run itself keeps logs SILENT).
 */
const probe = () => {
  const result = spawnSync(
    process.execPath,
    [join(projectRoot, 'test/infra/fixtures/lambda-context-probe.ts')],
    {
      cwd: projectRoot,
      encoding: 'utf8',
      env: {
        ...process.env,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'true',
        TABLE_NAME: 'probe-table',
        AWS_REGION: 'eu-west-1',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      },
    },
  );
  expect(result.status, result.stderr).toBe(0);
  // Powertools prints WARN/ERROR lines on stderr, the rest on stdout.
  return `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
};

describe('Lambda context in logs', () => {
  const lines = probe();
  const byRequest = (id: string) => lines.filter((line) => line.function_request_id === id);

  it('puts request id, cold start and function name on every line of an invocation', () => {
    const [first] = byRequest('req-1');
    const [second] = byRequest('req-2');
    expect(first).toMatchObject({ message: 'probe line', cold_start: true, function_name: 'probe-fn' });
    expect(second).toMatchObject({ message: 'probe line', cold_start: false, function_name: 'probe-fn' });
  });

  it('logs an unexpected error with its message and stack, then rethrows it', () => {
    const [failure] = byRequest('req-3');
    expect(failure?.level).toBe('ERROR');
    const error = failure?.error as { name: string; message: string; stack: string };
    expect(error).toMatchObject({ name: 'TypeError', message: 'probe failure' });
    expect(error.stack).toContain('lambda-context-probe.ts');
  });

  it('reaches the lines a worker writes from lib/', () => {
    const [rejected] = byRequest('req-4');
    expect(rejected).toMatchObject({ message: 'record rejected', message_id: 'm-1', cold_start: false });
  });

  it('wraps the exported handler of every function', () => {
    for (const spec of lambdaSpecs()) {
      const source = readFileSync(join(projectRoot, spec.entry), 'utf8');
      if (spec.generatedEntry === undefined)
        expect(source, spec.entry).toMatch(/export const handler = withLambdaContext\(/);
      else {
        // Workers: the generated entry's handler is a factory of the module, which wraps what it returns.
        const factory = /export const handler = (\w+)\(/.exec(spec.generatedEntry)?.[1];
        expect(factory, spec.key).toBeDefined();
        expect(source, `${spec.entry} ${factory}`).toMatch(
          new RegExp(`export const ${factory} = \\([^)]*\\) =>\\s*withLambdaContext\\(`),
        );
      }
    }
  });
});
