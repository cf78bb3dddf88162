import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DeleteItemCommandInput,
  PutItemCommand,
  type PutItemCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { provisionTable } from '#infra/local/provision.ts';
import type { BenchContext } from './context.ts';
import { type CpuSeconds, cpuSeconds, cpuSince } from './cpu.ts';
import { runConcurrently } from './deliveries.ts';

/**
 * The same writes without the pipeline: a run's captured write requests, replayed in order through
 * the same client at the same concurrency into an empty table of the same shape. This splits the
 * ratio into what the write plan costs DynamoDB Local (replay vs plain puts) and what the pipeline
 * adds (pipeline vs replay).
 */
export const replayWrites = async (
  { stack, workerClient }: BenchContext,
  captured: { command: string; input: Record<string, unknown> }[],
  concurrency: number,
): Promise<{ rate: number; cpu: CpuSeconds }> => {
  const replayTable = `${stack.tableName}-replay`;
  await provisionTable(workerClient, replayTable);
  const cpuBefore = cpuSeconds(stack.dynamoPid);
  const started = performance.now();
  await runConcurrently(captured.length, concurrency, async (index) => {
    const { command, input } = captured[index]!;
    const replayInput = { ...input, TableName: replayTable };
    try {
      if (command === 'UpdateItemCommand')
        await workerClient.send(new UpdateItemCommand(replayInput as UpdateItemCommandInput));
      else if (command === 'DeleteItemCommand')
        await workerClient.send(new DeleteItemCommand(replayInput as DeleteItemCommandInput));
      else await workerClient.send(new PutItemCommand(replayInput as PutItemCommandInput));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  });
  const seconds = (performance.now() - started) / 1000;
  return { rate: captured.length / seconds, cpu: cpuSince(cpuBefore, cpuSeconds(stack.dynamoPid)) };
};
