import { readFileSync } from 'node:fs';
import {
  type FrameworkValues,
  frameworkVariables,
  serverlessConfig,
  settingsFromValues,
} from '#infra/serverless.ts';

/**
 * infra/serverless.cjs runs this on the project's pinned Node when the framework's own Node cannot
 * load TypeScript (< 22.18): `--variables` prints the framework variables to resolve; `--config`
 * reads their resolved values (JSON) on stdin and prints `{functions, resources}` as JSON.
 */
const mode = process.argv[2];
if (mode === '--variables') {
  process.stdout.write(JSON.stringify(frameworkVariables));
} else if (mode === '--config') {
  const values = JSON.parse(readFileSync(0, 'utf8')) as FrameworkValues;
  process.stdout.write(JSON.stringify(serverlessConfig(settingsFromValues(values))));
} else {
  process.stderr.write('usage: emit-config.ts --variables | --config < values.json\n');
  process.exit(2);
}
