import { contactIndexProjectedAttributes, indexProjectedAttributes, keys } from '#contracts/table.ts';

/**
 * The single DynamoDB table's CloudFormation resource. Its key and index attribute names live in
 * lib/contracts/table.ts, shared with every entity module in lib/store/.
 */
type AttributeType = 'S' | 'N' | 'B';

/** The `AWS::DynamoDB::Table` Properties, minus TableName (set per stage). */
export const tableProperties = {
  BillingMode: 'PAY_PER_REQUEST' as const,
  AttributeDefinitions: [
    { AttributeName: keys.partition, AttributeType: 'S' as AttributeType },
    { AttributeName: keys.sort, AttributeType: 'S' as AttributeType },
    { AttributeName: keys.gsi1.partition, AttributeType: 'S' as AttributeType },
    { AttributeName: keys.gsi1.sort, AttributeType: 'S' as AttributeType },
    { AttributeName: keys.gsi2.partition, AttributeType: 'S' as AttributeType },
    { AttributeName: keys.gsi2.sort, AttributeType: 'S' as AttributeType },
  ],
  KeySchema: [
    { AttributeName: keys.partition, KeyType: 'HASH' as const },
    { AttributeName: keys.sort, KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: (
    [
      [keys.gsi1, indexProjectedAttributes],
      [keys.gsi2, contactIndexProjectedAttributes],
    ] as const
  ).map(([index, projected]) => ({
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partition, KeyType: 'HASH' as const },
      { AttributeName: index.sort, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...projected] },
  })),
  TimeToLiveSpecification: { AttributeName: keys.ttl, Enabled: true },
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
  SSESpecification: { SSEEnabled: true },
};

/**
 * How hard the table is to delete. Production stages keep it through a stack removal or replacement
 * (`DeletionPolicy`/`UpdateReplacePolicy: Retain`) and refuse DeleteTable itself
 * (`DeletionProtectionEnabled`, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html#cfn-dynamodb-table-deletionprotectionenabled;
 * policies: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
 * Dev-like stages stay removable, so `remove` then `deploy` of the same stage works.
 */
export const tableProtection = (protect: boolean) =>
  protect
    ? {
        DeletionPolicy: 'Retain' as const,
        UpdateReplacePolicy: 'Retain' as const,
        DeletionProtectionEnabled: true,
      }
    : {
        DeletionPolicy: 'Delete' as const,
        UpdateReplacePolicy: 'Delete' as const,
        DeletionProtectionEnabled: false,
      };
