/**
 * The single DynamoDB table: key and index attribute names shared by the CloudFormation resource
 * (serverless.yml, via infra/serverless.ts), the local stack and every entity module in lib/.
 */
export const keys = {
  partition: 'pk',
  sort: 'sk',
  gsi1: { indexName: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' },
  gsi2: { indexName: 'gsi2', partition: 'gsi2pk', sort: 'gsi2sk' },
  /** Epoch seconds; DynamoDB TTL deletes the item some time after. */
  ttl: 'expires_at',
} as const;

/**
 * The non-key attributes both GSIs project (INCLUDE): summaries of conversations and raw events,
 * never message bodies or raw payloads, so an index write stays one small unit.
 */
export const indexProjectedAttributes = [
  'entity',
  'account_id',
  'id',
  'inbox_id',
  'contact_id',
  'status',
  'assignee_id',
  'team_id',
  'priority',
  'labels',
  'last_activity_at',
  'created_at',
  'updated_at',
  'event_id',
  'event',
  'source',
  'received_at',
  'sender_timestamp',
  'outcome',
] as const;

/**
 * gsi2 (a contact's conversations, quarantined events) projects only attributes that rarely change,
 * so the frequent conversation rewrites (new activity, unread counts) do not also rewrite its index entry.
 */
export const contactIndexProjectedAttributes = [
  'entity',
  'account_id',
  'id',
  'inbox_id',
  'contact_id',
  'status',
  'created_at',
  'event_id',
  'event',
  'source',
  'received_at',
  'sender_timestamp',
  'outcome',
] as const;

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
