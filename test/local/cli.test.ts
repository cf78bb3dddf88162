import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDelivery } from '../../lib/cli/commands/send.ts';
import { memoryIo } from '../../lib/cli/io.ts';
import { main } from '../../lib/cli/main.ts';
import { selectRoutes } from '../../lib/cli/routes.ts';
import { chatwootJson } from '../../lib/events/chatwoot-json.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mhub-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = async (args: string[]) => {
  // An empty data directory: no local stack is running there.
  const io = memoryIo({ ...process.env, MHUB_DATA_DIR: dir });
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
};

describe('mhub argument handling', () => {
  it.each([
    [['bogus'], 'mhub: unknown command bogus (see mhub --help)\n'],
    [['conversation', '1'], 'mhub: usage: mhub conversation <accountId> <conversationId>\n'],
    [['conversation', '1', 'x'], 'mhub: conversationId must be a positive whole number, got x\n'],
    [['events', '--limit', '0'], 'mhub: --limit must be a positive whole number, got 0\n'],
    [['events', '--since', 'yesterday'], /^mhub: --since must be an ISO-8601 time/],
    [['events', '--nope'], "mhub: Unknown option '--nope' (see mhub --help)\n"],
    [['send', 'x.json'], 'mhub: send needs --source <name>\n'],
    [['dlq', 'purge'], 'mhub: unknown dlq action purge: use dlq list or dlq redrive\n'],
    [['dlq', 'list', '--queue', 'nope'], /^mhub: unknown queue nope/],
    [
      ['contact', '1', '2', '--region', 'eu-west-1'],
      'mhub: --region needs --stage (the local stack has no region)\n',
    ],
    [['replay'], 'mhub: replay needs --event-id <id>, or --account <id> with --since <iso>\n'],
    [['conversation', '1', '7'], /^mhub: the local stack is not running: start it with `npm start`/],
  ])('%j fails in one line with exit 1', async (args, expected) => {
    const result = await run(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    if (typeof expected === 'string') expect(result.stderr).toBe(expected);
    else expect(result.stderr).toMatch(expected);
  });

  it('prints help with exit 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('mhub dlq redrive'.replace('mhub ', ''));
  });

  it('maps --queue event names and routes', () => {
    expect(selectRoutes('message_created')).toEqual(['message-created']);
    expect(selectRoutes('archive')).toEqual(['archive']);
    expect(selectRoutes(undefined)).toHaveLength(10);
  });
});

describe('mhub send reads payloads and captured deliveries', () => {
  it('sends a payload file as compact Chatwoot JSON', () => {
    const file = join(dir, 'payload.json');
    writeFileSync(file, JSON.stringify({ event: 'message_created', content: '<b>5 > 3</b> & ☕' }, null, 2));
    const delivery = readDelivery(file);
    expect(delivery.body).toBe(
      '{"event":"message_created","content":"\\u003cb\\u003e5 \\u003e 3\\u003c/b\\u003e \\u0026 ☕"}',
    );
    expect(delivery.headers).toEqual({});
  });

  it('keeps a capture’s raw string body byte for byte, its delivery id and user agent, and drops its old signature', () => {
    const raw = '{"event":"message_created","content":"\\u003cx\\u003e",  "id":1}';
    const file = join(dir, 'capture.json');
    writeFileSync(
      file,
      JSON.stringify({
        headers: {
          'X-Chatwoot-Delivery': 'abc-123',
          'User-Agent': 'Ruby',
          'X-Chatwoot-Signature': 'sha256=old',
          'X-Chatwoot-Timestamp': '1',
        },
        body: raw,
      }),
    );
    expect(readDelivery(file)).toEqual({
      body: raw,
      headers: { 'x-chatwoot-delivery': 'abc-123', 'user-agent': 'Ruby' },
    });
  });

  it('serialises a capture’s object body like Chatwoot', () => {
    const file = join(dir, 'capture-object.json');
    const body = { event: 'contact_created', name: 'A & B' };
    writeFileSync(file, JSON.stringify({ headers: {}, body }));
    expect(readDelivery(file).body).toBe(chatwootJson(body));
  });

  it('refuses unreadable or non-object files in one line', async () => {
    writeFileSync(join(dir, 'list.json'), '[1]');
    const missing = await run(['send', join(dir, 'nope.json'), '--source', 'demo']);
    expect(missing.stderr).toBe(`mhub: cannot read ${join(dir, 'nope.json')}: ENOENT\n`);
    const list = await run(['send', join(dir, 'list.json'), '--source', 'demo']);
    expect(list.stderr).toMatch(/^mhub: .*must hold a JSON object/);
    expect(list.code).toBe(1);
  });
});
