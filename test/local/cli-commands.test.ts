import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerEvents, UNKNOWN_SAMPLE_EVENT } from '#cli/commands/trigger.ts';
import { colorWanted, memoryIo } from '#cli/io.ts';
import { main } from '#cli/main.ts';
import { handledEventNames } from '#contracts/routes.ts';
import { freePort } from '#infra/local/emulators.ts';
import { type LocalStack, type RequestSummary, startLocalStack } from '#infra/local/stack.ts';
import { repoRoot } from '#infra/local/state.ts';
import { run } from '#test/support/run.ts';

/**
 * Every `mhub` command against the real local stack (in memory; the persistent stack has its own
 * file). One stack for the whole file: the commands run in-process through `main`, exactly what
 * `npx mhub` runs, and a few through `npx mhub` itself (pipes, TTY-less colour).
 */

let stack: LocalStack;
let dataDir: string;
const requests: RequestSummary[] = [];

const mhub = async (args: string[], options: { answer?: boolean; stopAfterMs?: number } = {}) => {
  const io = memoryIo({ ...process.env, MHUB_DATA_DIR: dataDir }, options);
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr, questions: io.questions };
};

const jsonOf = async <T>(args: string[]): Promise<T> => {
  const result = await mhub([...args, '--json']);
  expect(result.stderr, args.join(' ')).toBe('');
  expect(result.code, args.join(' ')).toBe(0);
  return JSON.parse(result.stdout) as T;
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mhub-cmd-'));
  stack = await startLocalStack({
    port: 0,
    inMemory: true,
    dataDir,
    quiet: true,
    pollWaitSeconds: 1,
    onRequest: (request) => requests.push(request),
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const triggered = new Map<string, string>();

describe('mhub on the local stack', () => {
  it('trigger --list names every handled event and one unknown type', async () => {
    const list = await jsonOf<{ event: string; handled: boolean }[]>(['trigger', '--list']);
    expect(list.map((row) => row.event)).toEqual([...handledEventNames, UNKNOWN_SAMPLE_EVENT]);
    expect(list.filter((row) => !row.handled).map((row) => row.event)).toEqual([UNKNOWN_SAMPLE_EVENT]);
  });

  it('trigger sends a signed sample of each, in story order, with fresh delivery ids', async () => {
    const story = [
      'webwidget_triggered',
      'contact_created',
      'conversation_created',
      'message_created',
      'contact_updated',
      'conversation_updated',
      'message_updated',
      'conversation_status_changed',
      UNKNOWN_SAMPLE_EVENT,
    ];
    expect([...story].sort()).toEqual([...triggerEvents].sort());
    for (const event of story) {
      const result = await jsonOf<{ delivery_id: string; status: number; body: { status: string } }>([
        'trigger',
        event,
      ]);
      expect(result.status, event).toBe(202);
      expect(result.body.status, event).toBe(event === UNKNOWN_SAMPLE_EVENT ? 'archived' : 'accepted');
      expect(triggered.has(result.delivery_id)).toBe(false);
      triggered.set(event, result.delivery_id);
    }
    await stack.waitForIdle({ timeoutMs: 60_000 });
    // npm start's request log sees each request: method, source, status, outcome, event, time.
    expect(requests.at(-1)).toMatchObject({
      method: 'POST',
      source: 'demo',
      status: 202,
      outcome: 'archived',
      event: UNKNOWN_SAMPLE_EVENT,
    });
    expect(requests.at(-1)!.ms).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('event shows one event by a unique prefix: envelope, headers without the signature, pretty body, --raw bytes', async () => {
    const id = triggered.get('message_created')!;
    const human = await mhub(['event', id.slice(0, 8)]);
    expect(human.stderr).toBe('');
    expect(human.stdout).toMatch(/^event +message_created\n/);
    expect(human.stdout).toContain(`event id     ${id}`);
    expect(human.stdout).toMatch(/outcome +handled/);
    expect(human.stdout).toMatch(/route +message-created/);
    expect(human.stdout).toMatch(/source +demo/);
    expect(human.stdout).toContain(`x-chatwoot-delivery: ${id}`);
    expect(human.stdout).toMatch(/x-chatwoot-timestamp: \d{10}/);
    expect(human.stdout).toContain('user-agent: mhub trigger');
    expect(human.stdout).not.toContain('signature');
    expect(human.stdout).toContain('\n  "content": "Hello, my order #1234 has not arrived yet.",\n');

    const view = await jsonOf<Record<string, unknown>>(['event', id]);
    expect(view).toMatchObject({ event_id: id, delivery_id: id, account_id: 1, outcome: 'handled' });
    expect(Object.keys(view.headers as object).sort()).toEqual([
      'content-type',
      'user-agent',
      'x-chatwoot-delivery',
      'x-chatwoot-timestamp',
    ]);
    const raw = await mhub(['event', id, '--raw']);
    expect(raw.stdout).toBe(
      JSON.stringify(view.body).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026'),
    );
  });

  it('event reads a quarantined event’s issues, and refuses an ambiguous or unknown prefix in one line', async () => {
    const file = join(dataDir, 'misfit.json');
    writeFileSync(file, JSON.stringify({ event: 'message_created', id: 'not-a-number', account: { id: 1 } }));
    const sent = await jsonOf<{ body: { status: string; id: string } }>(['send', file, '--source', 'demo']);
    expect(sent.body.status).toBe('quarantined');
    await stack.waitForIdle({ timeoutMs: 30_000 });
    const human = await mhub(['event', sent.body.id.slice(0, 10)]);
    expect(human.stdout).toMatch(/outcome +quarantined/);
    expect(human.stdout).toMatch(/route +quarantine/);
    expect(human.stdout).toMatch(/validation issues \(\d+\)\n {2}\S+: /);
    expect(human.stdout).toContain('delivery id  none (the event id is the SHA-256 of the body)');

    const none = await mhub(['event', 'zzzzzz']);
    expect(none).toMatchObject({
      code: 1,
      stderr: 'mhub: no archived event id starts with zzzzzz: list them with `mhub events`\n',
    });
  });

  it('events and replay reach account 0, where account-less events are filed', async () => {
    const file = join(dataDir, 'no-account.json');
    writeFileSync(file, JSON.stringify({ event: 'automation_event.nothing', note: 'no account anywhere' }));
    const sent = await jsonOf<{ body: { status: string; id: string } }>(['send', file, '--source', 'demo']);
    expect(sent.body.status).toBe('archived');
    await stack.waitForIdle({ timeoutMs: 30_000 });
    const events = await jsonOf<{ event_id: string; account_id: number }[]>(['events', '--account', '0']);
    expect(events.map((event) => event.event_id)).toContain(sent.body.id);
    const replayed = await jsonOf<{ event_id: string; route: string }[]>([
      'replay',
      '--event-id',
      sent.body.id.slice(0, 12),
    ]);
    expect(replayed).toEqual([
      { event_id: sent.body.id, event: 'automation_event.nothing', route: 'archive' },
    ]);
  });

  it('conversation and conversations resolve stored names; contact shows the activity from changed_attributes', async () => {
    const view = await jsonOf<{ conversation: { status: string }; names: Record<string, string | null> }>([
      'conversation',
      '1',
      '7',
    ]);
    expect(view.conversation.status).toBe('resolved');
    expect(view.names).toEqual({
      assignee: 'Ken Sato',
      team: 'Support',
      inbox: 'Acme Website',
      contact: 'Aiko Tanaka',
    });
    const human = await mhub(['conversation', '1', '7']);
    expect(human.stdout).toMatch(/assignee +Ken Sato \(user 3\)/);
    expect(human.stdout).toMatch(/team +Support \(2\)/);

    const byInbox = await jsonOf<{ id: number; status: string }[]>([
      'conversations',
      '1',
      '--inbox',
      '1',
      '--status',
      'resolved',
    ]);
    expect(byInbox.map((row) => [row.id, row.status])).toEqual([[7, 'resolved']]);
    expect(await jsonOf<unknown[]>(['conversations', '1', '--inbox', '1', '--status', 'open'])).toEqual([]);
    const byContact = await mhub(['conversations', '1', '--contact', '42']);
    expect(byContact.stdout).toMatch(
      /^ID +STATUS +INBOX +CONTACT +ASSIGNEE +TEAM +LAST ACTIVITY\n7 +resolved +Acme Website +Aiko Tanaka +Ken Sato +Support /,
    );

    // contact_updated carries the new last_activity_at only in changed_attributes; a later
    // conversation snapshot's contact (without it) replaces it, so send it last here.
    const updated = await jsonOf<{ delivery_id: string }>(['trigger', 'contact_updated']);
    await stack.waitForIdle({ timeoutMs: 30_000 });
    const changed = (
      await jsonOf<{ body: { changed_attributes: Record<string, { current_value: string }>[] } }>([
        'event',
        updated.delivery_id,
      ])
    ).body.changed_attributes.find((change) => 'last_activity_at' in change)!.last_activity_at!.current_value;
    const contact = await jsonOf<{
      contact: { last_activity_at: string | null };
      widget_visits: { at: string }[];
    }>(['contact', '1', '42']);
    expect(contact.contact.last_activity_at).toBe(changed);
    // The visit is dated by the widget's own initiated_at (a JS Date string in the payload), not the receive time.
    const received = (await jsonOf<{ received_at: string }>(['event', triggered.get('webwidget_triggered')!]))
      .received_at;
    expect(contact.widget_visits).toHaveLength(1);
    expect(contact.widget_visits[0]!.at).not.toBe(received);
  });

  it('status shows the endpoint, sources without secrets, queues, spillover and the last hour', async () => {
    const report = await jsonOf<{
      endpoint: string;
      sources: { name: string; auth: string[] }[];
      queues: { queue: string; visible: number; dlq: number }[];
      spillover: { records: number };
      last_hour: { total: number; by_outcome: Record<string, number> };
    }>(['status']);
    expect(report.endpoint).toBe(`${stack.endpoint}/webhooks/{source}`);
    expect(report.sources).toEqual([{ name: 'demo', auth: ['signature'], secrets: 1, account_id: null }]);
    expect(report.queues).toHaveLength(10);
    expect(report.spillover.records).toBe(0);
    expect(report.last_hour.by_outcome.handled).toBe(9);
    expect(report.last_hour.by_outcome.quarantined).toBe(1);
    const human = await mhub(['status']);
    expect(human.stdout).not.toContain(stack.sources[0]!.secrets[0]!);
    expect(human.stdout).toMatch(/demo +signature \(1 secret\)/);
  });

  it('tail streams new events, one line each, filtered, and stops after --for', async () => {
    const tailing = mhub(['tail', '--for', '6s', '--outcome', 'handled', '--interval', '200ms']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await mhub(['trigger', 'contact_created']);
    await mhub(['trigger', UNKNOWN_SAMPLE_EVENT]); // archived: filtered out
    const result = await tailing;
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} +contact_created +handled +acct 1 +conv - +[0-9a-f-]{12}$/,
    );
    const since = await mhub([
      'tail',
      '--since',
      '1h',
      '--for',
      '0s',
      '--event',
      'message_created',
      '--outcome',
      'handled',
      '--json',
    ]);
    expect(
      since.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).conversation_id),
    ).toEqual([7]);
  }, 60_000);

  it('doctor passes on a healthy stack; smoke proves the path with timings and a verdict', async () => {
    const doctor = await mhub(['doctor']);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toMatch(/^ok {4}sources/);
    expect(doctor.stdout).toMatch(/ok {4}dead-letter queues +all 10 empty/);
    expect(doctor.stdout).toMatch(/ok {4}spillover +empty/);
    expect(doctor.stdout).toContain('all checks pass');
    const smoke = await mhub(['smoke', '--source', 'demo']);
    expect(smoke.stderr).toBe('');
    expect(smoke.code).toBe(0);
    expect(smoke.stdout).toMatch(
      /^sent +message_created [0-9a-f-]{36}: 202 in \d+ ms\nstored +after \d+ ms \(handled\)\nread back in \d+ ms\nPASS: /,
    );
    const missing = await mhub(['smoke', '--source', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^mhub: unknown source nope: the local stack has demo/);
  }, 60_000);

  it('through npx: a closed pipe ends quietly, no colour without a TTY, and ECONNREFUSED names npm start', async () => {
    const env = { ...process.env, MHUB_DATA_DIR: dataDir, FORCE_COLOR: '1' };
    const piped = await run(
      'bash',
      ['-c', `npx mhub conversation 1 7 | head -3; echo "status $\{PIPESTATUS[0]}"`],
      {
        cwd: repoRoot,
        env,
      },
    );
    expect(piped.stderr).toBe('');
    expect(piped.stdout.split('\n').slice(0, 3).join('\n')).toMatch(
      /^conversation +1\/7\nstatus +resolved\ninbox +Acme Website \(1\)$/,
    );
    expect(piped.stdout).toMatch(/status 0\n$/);
    const plain = await run('npx', ['mhub', 'trigger', 'message_updated'], { cwd: repoRoot, env });
    expect(plain.stdout).not.toContain('\x1b[');
    expect(colorWanted(true, {})).toBe(true);
    expect(colorWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted(false, {})).toBe(false);

    const closedPort = await freePort();
    const refused = await run(
      'npx',
      [
        'mhub',
        'send',
        'examples/message_created.json',
        '--source',
        'demo',
        '--url',
        `http://127.0.0.1:${closedPort}`,
        '--secret',
        'x',
      ],
      { cwd: repoRoot, env },
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      `mhub: http://127.0.0.1:${closedPort} refused the connection (ECONNREFUSED): is the stack running? (npm start), or check --url\n`,
    );
    const unauthorized = await run(
      'npx',
      ['mhub', 'send', 'examples/message_created.json', '--source', 'demo', '--secret', 'wrong'],
      { cwd: repoRoot, env },
    );
    expect(unauthorized.status).toBe(1);
    expect(unauthorized.stdout).toMatch(/^401 Unauthorized\n/);
    expect(unauthorized.stderr).toMatch(/^hint: 401 means the signature or token was refused/);
  }, 90_000);
});
