// serverless.yml's `${file(./infra/serverless.cjs):…}` loads this with require(). Node >= 22.12
// can require() an ES module and Node >= 22.18 strips TypeScript types, so the TypeScript
// definitions in infra/serverless.ts are loaded as they are, with no build step.
module.exports = require('./serverless.ts');
