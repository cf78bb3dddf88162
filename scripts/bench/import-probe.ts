import { pathToFileURL } from 'node:url';

/** Child process of the cold-start benchmark: imports one bundle, prints how long the import took. */
const file = process.argv[2];
if (file === undefined) throw new Error('usage: import-probe.ts <bundle.mjs>');
const started = performance.now();
const module = (await import(pathToFileURL(file).href)) as { handler?: unknown };
const importMs = performance.now() - started;
if (typeof module.handler !== 'function') throw new Error(`${file} exports no handler`);
process.stderr.write(`BENCH ${JSON.stringify({ importMs })}\n`);
