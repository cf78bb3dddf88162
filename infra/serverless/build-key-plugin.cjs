// Lets osls accept serverless.yml's top-level `build: { esbuild: false }`.
// Serverless Framework v4 bundles TypeScript/JavaScript handlers with its own esbuild unless told
// `build: { esbuild: false }`; ours are prebuilt by `npm run build` (scripts/build.ts) and must
// ship as they are. osls (the v3-compatible fork) has no `build` key and rejects unknown top-level
// keys, so this plugin declares it there; on v4, which defines `build` itself, it does nothing.
'use strict';

class BuildKeyPlugin {
  constructor(serverless) {
    const handler = serverless.configSchemaHandler;
    const defined = handler?.schema?.properties?.build !== undefined;
    if (handler !== undefined && typeof handler.defineTopLevelProperty === 'function' && !defined) {
      handler.defineTopLevelProperty('build', {
        type: 'object',
        properties: { esbuild: { const: false } },
        additionalProperties: false,
      });
    }
  }
}

module.exports = BuildKeyPlugin;
