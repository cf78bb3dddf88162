import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { BenchContext } from './context.ts';
import { type CpuSeconds, cpuSeconds, cpuSince } from './cpu.ts';
import { runConcurrently } from './deliveries.ts';

/** The baseline: plain PutItem calls through the workers' client, as many and as big as theirs. */

export interface RawRun {
  seconds: number;
  rate: number;
  cpu: CpuSeconds;
}

/** One raw write: a plain PutItem of `bytes` request bytes through the workers' client. */
export const putRaw = ({ stack, workerClient }: BenchContext, prefix: string, bytes: number) => {
  const { tableName } = stack;
  const empty = JSON.stringify({
    TableName: tableName,
    Item: { pk: { S: `BENCH#${prefix}#000000` }, sk: { S: 'RAW' }, data: { S: '' } },
  }).length;
  const data = 'x'.repeat(Math.max(1, bytes - empty));
  return (index: number) =>
    workerClient
      .send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: `BENCH#${prefix}#${String(index).padStart(6, '0')}` },
            sk: { S: 'RAW' },
            data: { S: data },
          },
        }),
      )
      .then(() => undefined);
};

export const rawRun = async (
  context: BenchContext,
  prefix: string,
  writes: number,
  concurrency: number,
  bytes: number,
): Promise<RawRun> => {
  const cpuBefore = cpuSeconds(context.stack.dynamoPid);
  const started = performance.now();
  await runConcurrently(writes, concurrency, putRaw(context, prefix, bytes));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, rate: writes / seconds, cpu: cpuSince(cpuBefore, cpuSeconds(context.stack.dynamoPid)) };
};
