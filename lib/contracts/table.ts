/**
 * The single DynamoDB table's key and index attribute names, shared by the CloudFormation resource
 * (infra/table.ts), the local stack and every entity module in lib/store/, so they cannot disagree.
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
 * The non-key attributes gsi1 projects (INCLUDE): summaries of conversations and raw events,
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
