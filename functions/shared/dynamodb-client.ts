import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The one DynamoDB client of a function, built once per container. The endpoint comes from the
 * SDK's own `AWS_ENDPOINT_URL_DYNAMODB`, which the local stack and tests set to DynamoDB Local.
 */
export const dynamoDbClient = new DynamoDBClient({});
