import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { routeNames } from '#contracts/routes.ts';
import { keys } from '#contracts/table.ts';
import { routeTuning } from '#infra/queues.ts';
import { freshStack } from './support/stack.ts';

describe('emulator harness', () => {
  it('provisions the table and every route queue with its DLQ from the infra definitions', async () => {
    const stack = await freshStack();
    const table = await stack.dynamodb.send(new DescribeTableCommand({ TableName: stack.tableName }));
    expect(table.Table?.KeySchema?.map((k) => k.AttributeName)).toEqual([keys.partition, keys.sort]);
    expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(
      [keys.gsi1.indexName, keys.gsi2.indexName].sort(),
    );
    // Indexes project summaries only (never bodies), as infra/table.ts declares.
    for (const index of table.Table?.GlobalSecondaryIndexes ?? []) {
      expect(index.Projection?.ProjectionType).toBe('INCLUDE');
      expect(index.Projection?.NonKeyAttributes).not.toContain('body_gz');
      expect(index.Projection?.NonKeyAttributes).toContain('status');
    }
    expect(stack.queues.map((q) => q.route)).toEqual(routeNames);
    for (const queue of stack.queues) {
      expect(queue.url).toBe(`${stack.queueUrlPrefix}${queue.route}`);
      const attributes = await stack.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
      );
      const redrive = JSON.parse(attributes.Attributes?.RedrivePolicy ?? '{}');
      expect(redrive.maxReceiveCount).toBe(routeTuning(queue.route).maxReceiveCount);
      expect(redrive.deadLetterTargetArn).toMatch(/-dlq$/);
    }
  });
});
