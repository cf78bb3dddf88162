#!/usr/bin/env node
// The `mhub` CLI. The code is TypeScript, run by Node's built-in type stripping (Node >= 22.18);
// `npx mhub` uses the project's own Node 24 from node_modules/.bin.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `mhub: needs Node >= 22.18 (this is ${process.version}): run it as \`npx mhub\` from the repository\n`,
  );
  process.exit(1);
}
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
