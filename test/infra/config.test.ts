import { describe, expect, it } from 'vitest';
import { functionName } from '../../infra/naming.ts';
import { lambdaSpecs } from '../../infra/serverless/functions.ts';
import { parametersSecretsExtensionLayerArn } from '../../infra/serverless/layers.ts';
import { defaultSettings, serverlessConfig } from '../../infra/serverless.ts';
import { routeNames } from '../../lib/events/catalog.ts';

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

  it('has one function key per route plus ingest and sweeper, all distinct', () => {
    const keys = Object.keys(serverlessConfig(defaultSettings()).functions);
    expect(new Set(keys).size).toBe(routeNames.length + 2);
  });

  it('picks the extension layer of the region, honours an override, and fails clearly for an unknown region', () => {
    expect(parametersSecretsExtensionLayerArn('us-east-1', '')).toContain(':us-east-1:');
    expect(parametersSecretsExtensionLayerArn('xx-nowhere-1', 'arn:custom')).toBe('arn:custom');
    expect(() => parametersSecretsExtensionLayerArn('xx-nowhere-1', '')).toThrow(
      /parametersSecretsExtensionLayerArn/,
    );
  });
});
