import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JAVA_MISSING_MESSAGE } from '#infra/local/emulators.ts';
import { repoRoot } from '#infra/local/state.ts';
import { run } from '#test/support/run.ts';

/** `npm start`'s failures at start-up: one clear line on stderr, exit code 1, no Java started. */

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'mhub-start-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const start = (env: NodeJS.ProcessEnv, args: string[] = []) =>
  run(process.execPath, ['scripts/start.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, MHUB_DATA_DIR: dataDir, WEBHOOK_SECRETS: '', PORT: '', ...env },
  });

describe('npm start refuses to start, in one line', () => {
  it('when WEBHOOK_SECRETS is broken', async () => {
    const result = await start({ WEBHOOK_SECRETS: '{"acme": ' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^npm start: WEBHOOK_SECRETS: .*not valid JSON\n$/);
    const empty = await start({ WEBHOOK_SECRETS: '{"acme": []}' });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/^npm start: WEBHOOK_SECRETS: .*acme.*\n$/);
  });

  it('when the port is in use', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await start({ PORT: String(port) });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `npm start: port ${port} on 127.0.0.1 is already in use: stop what runs there or set PORT\n`,
      );
    } finally {
      server.close();
    }
  });

  it('when Java is missing', async () => {
    const result = await start({ PATH: dirname(process.execPath) });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`npm start: ${JAVA_MISSING_MESSAGE}\n`);
  });

  it('on an unknown flag or a bad port', async () => {
    const flag = await start({}, ['--nope']);
    expect(flag.status).toBe(1);
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
    const port = await start({}, ['--port', 'x']);
    expect(port.status).toBe(1);
    expect(port.stderr).toBe('npm start: --port must be a port number, got x\n');
  });
});
