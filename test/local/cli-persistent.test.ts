import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '#cli/io.ts';
import { main } from '#cli/main.ts';
import { localSqsClient } from '#infra/local/clients.ts';
import { type LocalStack, startLocalStack } from '#infra/local/stack.ts';
import { dataLockFile, liveStacks, repoRoot, type StackState, stackFile } from '#infra/local/state.ts';
import { run } from '#test/support/run.ts';

/**
 * The stack `npm start` runs by default: it keeps data (DynamoDB Local and fauxqs on disk). Here
 * `dlq list` must not lose anything (fauxqs 2.4.1 drops a message on ChangeMessageVisibility to 0
 * when it persists), `dlq purge` deletes only what it was told to, and several stacks on one data
 * folder each keep their own state file, while a second persistent one refuses to share the folder.
 */

let stack: LocalStack;
let dataDir: string;

const mhub = async (args: string[], options: { answer?: boolean } = {}) => {
  const io = memoryIo({ ...process.env, MHUB_DATA_DIR: dataDir }, options);
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr, questions: io.questions };
};

const depth = async (url: string) => {
  const response = await stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(response.Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(response.Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mhub-persist-'));
  stack = await startLocalStack({ port: 0, inMemory: false, dataDir, quiet: true, pollWaitSeconds: 1 });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Messages on the queue, visible or not. fauxqs moves a message whose visibility ran out back to
 * "visible" only on its next receive, so right after a listing it still counts it in flight; the
 * next receive (the second listing below) gets it.
 */
const total = async (url: string): Promise<number> => {
  const { visible, inFlight } = await depth(url);
  return visible + inFlight;
};

const dlqUrl = () => stack.queues.find((queue) => queue.route === 'message-created')!.deadLetterUrl;

const putDeadLetters = async (ids: string[]) =>
  stack.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: dlqUrl(),
      Entries: ids.map((id, index) => ({
        Id: String(index),
        MessageBody: `{"poison":"${id}"}`,
        MessageAttributes: {
          eventId: { DataType: 'String', StringValue: id },
          event: { DataType: 'String', StringValue: 'message_created' },
          accountId: { DataType: 'Number', StringValue: '1' },
        },
      })),
    }),
  );

describe('the persistent local stack', () => {
  it('has the fauxqs defect the CLI works around: ChangeMessageVisibility to 0 loses the message', async () => {
    // If this starts failing, fauxqs fixed it upstream and dlq.ts's RELEASE_SECONDS can go back to 0.
    const sqs = localSqsClient(stack.sqsEndpoint);
    const created = await sqs.send(new CreateQueueCommand({ QueueName: 'visibility-zero-probe' }));
    const url = `${stack.sqsEndpoint}${new URL(created.QueueUrl!).pathname}`;
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'probe' }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 30 }));
    await sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: received.Messages![0]!.ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      )
      .catch(() => undefined);
    const after = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(after.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    sqs.destroy();
  });

  it('dlq list reads every dead letter, twice, and leaves them all visible', async () => {
    await putDeadLetters(['poison-aaaa-1', 'poison-bbbb-2', 'poison-cccc-3']);
    for (let pass = 0; pass < 2; pass++) {
      const listed = await mhub(['dlq', 'list', '--queue', 'message_created', '--json']);
      expect(listed.stderr).toBe('');
      const entries = JSON.parse(listed.stdout) as { event_id: string; account_id: number }[];
      expect(entries.map((entry) => entry.event_id).sort()).toEqual([
        'poison-aaaa-1',
        'poison-bbbb-2',
        'poison-cccc-3',
      ]);
      expect(entries[0]!.account_id).toBe(1);
      expect(await total(dlqUrl())).toBe(3);
    }
    const human = await mhub(['dlq', 'list']);
    expect(human.stdout).toMatch(/^QUEUE +EVENT +ACCOUNT +RECEIVES +RECEIVED AT +EVENT ID\n/);
    expect(human.stdout.trim().split('\n')).toHaveLength(4);
    const status = JSON.parse((await mhub(['status', '--json'])).stdout) as {
      queues: { queue: string; dlq: number; dlq_oldest_age_s: number | null }[];
    };
    expect(status.queues.find((queue) => queue.queue === 'message-created')).toMatchObject({ dlq: 3 });
    expect(
      status.queues.find((queue) => queue.queue === 'message-created')!.dlq_oldest_age_s,
    ).toBeGreaterThanOrEqual(0);
    expect(await total(dlqUrl())).toBe(3);
    const doctor = await mhub(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(
      /fail {2}dead-letter queues +message-created: 3\n +fix: look with `mhub dlq list`/,
    );
  }, 60_000);

  it('dlq purge asks first, deletes only the matching id on --yes, and keeps the rest', async () => {
    const refused = await mhub(['dlq', 'purge', 'message_created', '--id', 'poison-bbbb']);
    expect(refused.code).toBe(1);
    expect(refused.questions).toEqual([
      'delete 1 message(s) from the message-created dead-letter queue for good?',
    ]);
    expect(refused.stderr).toMatch(/^mhub: nothing deleted: confirm on a terminal, or pass --yes/);
    expect(await total(dlqUrl())).toBe(3);

    const ambiguous = await mhub(['dlq', 'purge', 'message_created', '--id', 'poison', '--yes']);
    expect(ambiguous.stderr).toMatch(
      /^mhub: --id poison matches 3 messages of message-created: give more characters/,
    );

    const confirmed = await mhub(['dlq', 'purge', 'message-created', '--id', 'poison-bbbb'], {
      answer: true,
    });
    expect(confirmed.stdout).toBe('deleted 1 of 1 message(s) from the message-created dead-letter queue\n');
    const left = JSON.parse((await mhub(['dlq', 'list', '--json'])).stdout) as { event_id: string }[];
    expect(left.map((entry) => entry.event_id).sort()).toEqual(['poison-aaaa-1', 'poison-cccc-3']);

    const all = await mhub(['dlq', 'purge', 'message_created', '--yes', '--json']);
    expect(JSON.parse(all.stdout)).toEqual({ queue: 'message-created', matched: 2, deleted: 2 });
    expect(await total(dlqUrl())).toBe(0);
    expect((await mhub(['dlq', 'purge', 'message_created', '--yes'])).stdout).toMatch(/^nothing to purge/);
  }, 60_000);

  it('records its endpoints, region and credentials in its own state file, and holds the data folder', () => {
    const state = JSON.parse(readFileSync(stackFile(dataDir, stack.port), 'utf8')) as StackState;
    expect(state).toMatchObject({
      pid: process.pid,
      port: stack.port,
      endpoint: stack.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      dynamoEndpoint: stack.dynamoEndpoint,
      sqsEndpoint: stack.sqsEndpoint,
      inMemory: false,
    });
    expect(JSON.parse(readFileSync(dataLockFile(dataDir), 'utf8'))).toEqual({
      pid: process.pid,
      port: stack.port,
    });
  });

  it('refuses a second persistent stack on the same data folder; an in-memory one runs beside it with its own state', async () => {
    const env = { ...process.env, MHUB_DATA_DIR: dataDir, WEBHOOK_SECRETS: '', PORT: '0' };
    const second = await run(process.execPath, ['scripts/start.ts'], { cwd: repoRoot, env });
    expect(second.status).toBe(1);
    expect(second.stderr).toBe(
      `npm start: the data folder ${dataDir} is used by the stack on port ${stack.port} (pid ${process.pid}): stop it, or start this one with --in-memory or MHUB_DATA_DIR=<another folder>\n`,
    );

    const beside = spawn(process.execPath, ['scripts/start.ts', '--in-memory'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    beside.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const deadline = Date.now() + 180_000;
      while (liveStacks(dataDir).length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      const ports = liveStacks(dataDir).map((state) => state.port);
      expect(ports).toHaveLength(2);
      const other = ports.find((port) => port !== stack.port)!;

      const ambiguous = await mhub(['status']);
      expect(ambiguous.stderr).toBe(
        `mhub: 2 local stacks are running (ports ${ports.join(', ')}): pass --port <n>\n`,
      );
      const mine = JSON.parse((await mhub(['status', '--json', '--port', String(stack.port)])).stdout);
      const theirs = JSON.parse((await mhub(['status', '--json', '--port', String(other)])).stdout);
      expect(mine.endpoint).toBe(`${stack.endpoint}/webhooks/{source}`);
      expect(theirs.endpoint).toBe(`http://127.0.0.1:${other}/webhooks/{source}`);

      // npm start prints one line per request.
      const sent = await mhub(['trigger', 'contact_created', '--port', String(other)]);
      expect(sent.stdout).toMatch(/^contact_created: 202 accepted/);
      while (!output.includes('contact_created') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output).toMatch(
        /\d\d:\d\d:\d\d\.\d{3} {2}POST {2}\/webhooks\/demo +202 accepted +contact_created +\d+ ms\n/,
      );
    } finally {
      const exited = new Promise((resolve) => beside.once('exit', resolve));
      beside.kill('SIGTERM');
      const force = setTimeout(() => beside.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(force);
    }
    // It removed its own state file only: the CLI finds this stack again without --port.
    expect(liveStacks(dataDir).map((state) => state.port)).toEqual([stack.port]);
    expect(existsSync(stackFile(dataDir, stack.port))).toBe(true);
    expect((await mhub(['status', '--json'])).code).toBe(0);
  }, 300_000);
});
