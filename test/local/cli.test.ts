import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDelivery } from '#cli/commands/send.ts';
import { memoryIo } from '#cli/io.ts';
import { main } from '#cli/main.ts';
import { selectRoutes } from '#cli/routes.ts';
import { chatwootJson } from '#lib/events/chatwoot-json.ts';

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
    [['evnt', 'abcd'], 'mhub: unknown command evnt: did you mean event? (see mhub --help)\n'],
    [['conversation', '1'], 'mhub: usage: mhub conversation <accountId> <conversationId>\n'],
    [['conversation', '1', 'x'], 'mhub: conversationId must be a whole number (0 or more), got x\n'],
    [['events', '--limit', '0'], 'mhub: --limit must be a positive whole number, got 0\n'],
    [
      ['events', '--since', 'yesterday'],
      /^mhub: --since must be an ISO-8601 time .* or a duration such as 5m/,
    ],
    [['events', '--nope'], 'mhub: unknown option --nope for events (see mhub events --help)\n'],
    [
      ['dlq', 'list', '--qeue', 'x'],
      'mhub: unknown option --qeue for dlq: did you mean --queue? (see mhub dlq --help)\n',
    ],
    [['send'], /^mhub: send needs a file and --source <name>: mhub send examples/],
    [['send', 'x.json'], /^mhub: send needs --source <name>: mhub send x.json --source demo/],
    [['dlq', 'purge'], 'mhub: usage: mhub dlq purge <queue> [--id <id-prefix>] [--yes]\n'],
    [['dlq', 'nope'], 'mhub: unknown dlq action nope: use dlq list, dlq redrive or dlq purge\n'],
    [['tail', '--for', 'soon'], /^mhub: --for must be a duration such as 30s/],
    [['tail', '--outcome', 'lost'], /^mhub: --outcome must be handled, archived or quarantined/],
    [['trigger'], /^mhub: trigger needs an event: one of conversation_created, .*conversation_typing_on/],
    [['trigger', 'nope'], /^mhub: no sample for nope: `mhub trigger --list`/],
    [['conversations', '1'], 'mhub: conversations needs --inbox <id> [--status <s>], or --contact <id>\n'],
    [['event', 'abc'], 'mhub: an event id prefix needs at least 4 characters, got "abc"\n'],
    [
      ['events', '--port', '3000'],
      /^mhub: no local stack runs on port 3000: start it with `npm start -- --port 3000`/,
    ],
    [
      ['status', '--stage', 'prod', '--port', '1'],
      'mhub: --port picks a local stack: it does not go with --stage\n',
    ],
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

  it('prints help with exit 0, per command too, and the version', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'status',
      'doctor',
      'trigger',
      'smoke',
      'tail',
      'event ',
      'conversations',
      'dlq purge',
      '--token',
      '--limit',
      'MHUB_DATA_DIR',
    ])
      expect(result.stdout).toContain(command);
    const send = await run(['send', '--help']);
    expect(send.stdout).toMatch(/^usage: mhub send <file> --source <name>/);
    expect(send.stdout).toContain('--token');
    const replay = await run(['help', 'replay']);
    expect(replay.stdout).toContain('--limit');
    const version = await run(['--version']);
    expect(version.stdout).toMatch(/^mhub \d+\.\d+\.\d+\n$/);
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
    expect(missing.stderr).toBe(
      `mhub: cannot read ${join(dir, 'nope.json')}: no such file (ENOENT): check the path\n`,
    );
    const folder = await run(['send', dir, '--source', 'demo']);
    expect(folder.stderr).toMatch(/^mhub: cannot read .*: it is a folder \(EISDIR\): pass a JSON file/);
    writeFileSync(join(dir, 'broken.json'), '{\n  "event": "x",\n  oops\n}');
    const broken = await run(['send', join(dir, 'broken.json'), '--source', 'demo']);
    expect(broken.stderr).toMatch(/^mhub: .*broken.json is not JSON: .*position 20 \(line 3 column 3\)\n$/);
    const list = await run(['send', join(dir, 'list.json'), '--source', 'demo']);
    expect(list.stderr).toMatch(/^mhub: .*must hold a JSON object/);
    expect(list.code).toBe(1);
  });
});
