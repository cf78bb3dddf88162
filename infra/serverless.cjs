// serverless.yml's `${file(./infra/serverless.cjs):…}` loads this with require(), on whatever Node
// runs the framework (a global `serverless` v4 or `osls` may run on Node 20).
// - Node >= 22.18 (or 23.6+) can require() an ES module and strips TypeScript types, so
//   infra/serverless.ts loads as it is.
// - Older Node cannot: the same code then runs on the project's pinned Node (the `node`
//   devDependency that `npm ci` installs) in a child process. This file resolves the framework
//   variables it needs (stage, region, --param values) here, hands them over on stdin, and reads the
//   generated `functions` and `resources` back as JSON. Plain CommonJS on purpose: no syntax or API
//   newer than Node 18.
'use strict';

const { execFileSync } = require('node:child_process');
const path = require('node:path');

const canLoadTypeScript = () => {
  if (process.env.MHUB_CONFIG_IN_CHILD === '1') return false; // tests force the child path
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
};

const pinnedNode = () => {
  const candidates = [
    path.join(
      __dirname,
      '..',
      'node_modules',
      'node',
      'bin',
      process.platform === 'win32' ? 'node.exe' : 'node',
    ),
    path.join(__dirname, '..', 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node'),
  ];
  const fs = require('node:fs');
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (found === undefined)
    throw new Error(
      `infra/serverless.cjs: Node ${process.versions.node} cannot load infra/serverless.ts and the project's pinned Node is missing: run \`npm ci\` first, or run the framework through \`npx osls …\``,
    );
  return found;
};

const emitScript = path.join(__dirname, 'serverless', 'emit-config.ts');

const runPinned = (args, input) =>
  execFileSync(pinnedNode(), [emitScript, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'inherit'],
  });

let variables;
const childConfigs = new Map();

/** `{functions, resources}` built by the pinned Node from the framework's resolved values. */
const configInChild = async (context) => {
  if (variables === undefined) variables = JSON.parse(runPinned(['--variables'], ''));
  const values = {};
  // Sequential, and errors propagate: the resolver retries a property whose dependency
  // (`param:`) is not ready yet.
  for (const { key, variable, fallback } of variables) {
    const value = await context.resolveVariable(`${variable}, ${JSON.stringify(fallback)}`);
    values[key] = value === undefined || value === null ? fallback : String(value);
  }
  const input = JSON.stringify(values);
  if (!childConfigs.has(input)) childConfigs.set(input, JSON.parse(runPinned(['--config'], input)));
  return childConfigs.get(input);
};

module.exports = canLoadTypeScript()
  ? require('./serverless.ts')
  : {
      functions: async (context) => (await configInChild(context)).functions,
      resources: async (context) => (await configInChild(context)).resources,
    };
