import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionName } from '#contracts/naming.ts';
import { routeNames } from '#contracts/routes.ts';
import { lambdaSpecs } from '#infra/serverless/functions.ts';
import { parametersSecretsExtensionLayerArn } from '#infra/serverless/layers.ts';
import { defaultSettings, maxStageLength, serverlessConfig, settingsFromValues } from '#infra/serverless.ts';
import { projectRoot } from '#scripts/build.ts';

/** Checks of infra/serverless.ts itself, without packaging: naming limits and settings handling. */
describe('serverless config', () => {
  it('keeps every function name under 64 characters for stages up to 15 characters', () => {
    const stage = 'production-eu-1';
    expect(stage).toHaveLength(15);
    const config = serverlessConfig(defaultSettings(stage));
    for (const definition of Object.values(config.functions))
      expect((definition as { name: string }).name.length).toBeLessThan(64);
    const longest = Math.max(...lambdaSpecs().map((spec) => functionName(stage, spec.nameSuffix).length));
    expect(longest).toBeLessThan(64);
  });

  it('refuses at package time a stage that would push a name past the AWS limit', () => {
    expect(() => serverlessConfig(defaultSettings('a-stage-name-far-too-long'))).toThrow(/64 characters/);
  });

  it('has one function key per route plus ingest, sweeper and reconciler, all distinct', () => {
    const keys = Object.keys(serverlessConfig(defaultSettings()).functions);
    expect(new Set(keys).size).toBe(routeNames.length + 3);
  });

  it('picks the extension layer of the region, honours an override, and fails clearly for an unknown region', () => {
    expect(parametersSecretsExtensionLayerArn('us-east-1', '')).toContain(':us-east-1:');
    expect(parametersSecretsExtensionLayerArn('xx-nowhere-1', 'arn:custom')).toBe('arn:custom');
    expect(() => parametersSecretsExtensionLayerArn('xx-nowhere-1', '')).toThrow(
      /parametersSecretsExtensionLayerArn/,
    );
  });
});

describe('deploy settings from the framework', () => {
  it('defaults every production control, and protects the table except on dev-like stages', () => {
    const prod = settingsFromValues({ stage: 'prod' });
    expect(prod).toMatchObject({
      workerMaximumConcurrency: 5,
      tracing: true,
      ingestReservedConcurrency: null,
      protectTable: true,
    });
    expect(prod.httpApiBurstLimit).toBeGreaterThanOrEqual(prod.httpApiRateLimit);
    for (const stage of ['dev', 'dev-alice', 'test', 'ci', 'sandbox', 'pr-42', 'pr7', 'tmp', 'preview'])
      expect(settingsFromValues({ stage }).protectTable, stage).toBe(false);
    for (const stage of ['prod', 'production', 'staging', 'devops', 'eu'])
      expect(settingsFromValues({ stage }).protectTable, stage).toBe(true);
    expect(settingsFromValues({ stage: 'dev', protectTable: 'true' }).protectTable).toBe(true);
  });

  it('takes every param and refuses values AWS would refuse at deploy time', () => {
    const settings = settingsFromValues({
      stage: 'prod',
      workerMaximumConcurrency: '20',
      httpApiBurstLimit: '50',
      httpApiRateLimit: '25',
      tracing: 'false',
      ingestReservedConcurrency: '100',
    });
    expect(settings).toMatchObject({
      workerMaximumConcurrency: 20,
      httpApiBurstLimit: 50,
      httpApiRateLimit: 25,
      tracing: false,
      ingestReservedConcurrency: 100,
    });
    // ScalingConfig.MaximumConcurrency is 2 to 1000.
    expect(() => settingsFromValues({ workerMaximumConcurrency: '1' })).toThrow(/workerMaximumConcurrency/);
    expect(() => settingsFromValues({ workerMaximumConcurrency: '1001' })).toThrow(
      /workerMaximumConcurrency/,
    );
    expect(() => settingsFromValues({ tracing: 'yes' })).toThrow(/tracing/);
    expect(() => settingsFromValues({ ingestReservedConcurrency: '0' })).toThrow(/ingestReservedConcurrency/);
    expect(() => settingsFromValues({ rawEventTtlDays: '-1' })).toThrow(/rawEventTtlDays/);
  });

  it('names the 15-character stage limit when a stage is too long', () => {
    expect(maxStageLength()).toBe(15);
    expect(() => serverlessConfig(defaultSettings('x'.repeat(16)))).toThrow(/at most 15 characters/);
  });
});

/**
 * serverless.yml loads infra/serverless.cjs with the framework's own Node. On Node < 22.18 it cannot
 * require TypeScript, so it builds the config on the project's pinned Node in a child process: the
 * result must be the very same config.
 */
describe('infra/serverless.cjs on any Node', () => {
  const values = {
    stage: 'prod',
    region: 'eu-west-1',
    alarmEmail: 'ops@example.com',
    workerMaximumConcurrency: '7',
  };
  const script = `
    const config = require(${JSON.stringify(join(projectRoot, 'infra/serverless.cjs'))});
    const values = ${JSON.stringify(values)};
    const context = {
      resolveVariable: async (variable) => {
        const [name, fallback] = variable.split(', ');
        const key = name.replace(/^(sls:|self:provider\\.|param:)/, '');
        return values[key] ?? JSON.parse(fallback);
      },
    };
    Promise.all([config.functions(context), config.resources(context)]).then(([functions, resources]) =>
      process.stdout.write(JSON.stringify({ functions, resources })));
  `;
  const expected = () => JSON.parse(JSON.stringify(serverlessConfig(settingsFromValues(values))));
  const load = (node: string, env: Record<string, string> = {}) => {
    const result = spawnSync(node, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };

  it('builds the same config through the pinned-Node child process', () => {
    expect(load(process.execPath, { MHUB_CONFIG_IN_CHILD: '1' })).toEqual(expected());
  });

  // The machine's own Node (20 on the project's machines), when there is one older than 22.18.
  const olderNode = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'].find((path) => {
    const result = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (result.status !== 0) return false;
    const [major, minor] = result.stdout.trim().split('.').map(Number) as [number, number];
    return major < 22 || (major === 22 && minor < 18);
  });

  it.runIf(olderNode !== undefined)(`loads on the machine's older Node (${olderNode})`, () => {
    expect(load(olderNode!)).toEqual(expected());
  });
});
