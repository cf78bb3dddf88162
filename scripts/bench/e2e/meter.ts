import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

/**
 * What the workers send DynamoDB (writes counted in items, reads, bytes, requests in flight), read
 * by middleware on their own client, and the pollers' SQS requests by action.
 */

/** Counts the workers' DynamoDB requests and their concurrency while `on`. */
export class WriteMeter {
  on = false;
  writes = 0;
  reads = 0;
  byCommand: Record<string, number> = {};
  writeBytes = 0;
  writeRequests = 0;
  inFlight = 0;
  peak = 0;
  /** While set, every write request's command name and input, in the order sent. */
  captured: { command: string; input: Record<string, unknown> }[] | undefined;
  private area = 0;
  private since = 0;
  private startedAt = 0;
  private tick(): void {
    const now = performance.now();
    this.area += this.inFlight * (now - this.since);
    this.since = now;
  }
  start(): void {
    Object.assign(this, { on: true, writes: 0, reads: 0, byCommand: {}, writeBytes: 0, writeRequests: 0 });
    this.peak = this.inFlight;
    this.area = 0;
    this.since = this.startedAt = performance.now();
  }
  /** Time-averaged requests in flight since start(). */
  mean(): number {
    this.tick();
    const elapsed = performance.now() - this.startedAt;
    return elapsed > 0 ? this.area / elapsed : 0;
  }
  enter(): void {
    this.tick();
    this.inFlight += 1;
    if (this.on && this.inFlight > this.peak) this.peak = this.inFlight;
  }
  leave(): void {
    this.tick();
    this.inFlight -= 1;
  }
}

const writeItems = (command: string, input: Record<string, unknown>): number => {
  if (command === 'PutItemCommand' || command === 'UpdateItemCommand' || command === 'DeleteItemCommand')
    return 1;
  if (command === 'BatchWriteItemCommand')
    return Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).reduce(
      (sum, items) => sum + items.length,
      0,
    );
  if (command === 'TransactWriteItemsCommand') return ((input.TransactItems ?? []) as unknown[]).length;
  return 0;
};

/** Installs the meter on the workers' client (once per process: the client is a module singleton). */
export const meterFor = (client: DynamoDBClient): WriteMeter => {
  const meter = new WriteMeter();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '?';
      const counting = meter.on;
      if (counting) {
        const items = writeItems(command, args.input as Record<string, unknown>);
        if (items > 0) {
          meter.captured?.push({ command, input: args.input as Record<string, unknown> });
          meter.writes += items;
          meter.writeRequests += 1;
          const body = (args.request as { body?: unknown } | undefined)?.body;
          if (typeof body === 'string') meter.writeBytes += Buffer.byteLength(body);
          else if (body instanceof Uint8Array) meter.writeBytes += body.byteLength;
        } else if (/^(Get|BatchGet|Query|Scan|TransactGet)/.test(command)) meter.reads += 1;
        meter.byCommand[command] = (meter.byCommand[command] ?? 0) + Math.max(1, items);
      }
      meter.enter();
      try {
        return await next(args);
      } finally {
        meter.leave();
      }
    },
    { step: 'finalizeRequest', name: 'benchWriteMeter', priority: 'high' },
  );
  return meter;
};

/** Counts the pollers' SQS requests by action (plus empty receives) while the meter is on. */
export const countPollerRequests = (sqs: SQSClient, meter: WriteMeter): Record<string, number> => {
  const pollerRequests: Record<string, number> = {};
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (meter.on) {
        const name = (context.commandName ?? '?').replace(/Command$/, '');
        pollerRequests[name] = (pollerRequests[name] ?? 0) + 1;
        const messages = (result.output as { Messages?: unknown[] }).Messages;
        if (name === 'ReceiveMessage' && (messages?.length ?? 0) === 0)
          pollerRequests.emptyReceives = (pollerRequests.emptyReceives ?? 0) + 1;
      }
      return result;
    },
    { step: 'initialize', name: 'benchPollerRequests' },
  );
  return pollerRequests;
};
