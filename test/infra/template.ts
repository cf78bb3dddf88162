import { readFileSync } from 'node:fs';

/**
 * Helpers for reading the generated CloudFormation template: resources by type, IAM statements of
 * a role, a tiny policy evaluator (Allow statements only: the roles carry no Deny), and a zip lister.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is free-form.
export type Json = any;

export interface Template {
  Resources: Record<string, Json>;
  Outputs: Record<string, Json>;
}

export const readTemplate = (path: string): Template => JSON.parse(readFileSync(path, 'utf8')) as Template;

export const resourcesOfType = (template: Template, type: string): [string, Json][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Record<string, Record<string, Json>>;
}

export const statementsOf = (template: Template, roleLogicalId: string): Statement[] => {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not an IAM role`);
  return list(role.Properties.Policies as Json[]).flatMap((policy) => list(policy.PolicyDocument.Statement));
};

const glob = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');

const resourceIs = (resource: Json, logicalId: string): boolean =>
  resource === '*' || JSON.stringify(resource) === JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** Does the statement's condition let a request on this partition key through? */
const conditionAllows = (statement: Statement, partitionKey: string | undefined): boolean => {
  const leading = Object.entries(statement.Condition ?? {}).flatMap(([operator, body]) =>
    'dynamodb:LeadingKeys' in body
      ? [{ operator, values: list(body['dynamodb:LeadingKeys'] as string[]) }]
      : [],
  );
  if (leading.length === 0) return true;
  if (partitionKey === undefined) return false;
  return leading.every(({ operator, values }) =>
    operator.endsWith('StringLike')
      ? values.some((value) => glob(value).test(partitionKey))
      : values.includes(partitionKey),
  );
};

/**
 * Would the role allow `action` on the resource `logicalId` (its `Fn::GetAtt … Arn`), for an item
 * with this partition key when given?
 */
export const allows = (
  template: Template,
  roleLogicalId: string,
  action: string,
  logicalId: string,
  partitionKey?: string,
): boolean =>
  statementsOf(template, roleLogicalId).some(
    (statement) =>
      statement.Effect === 'Allow' &&
      list(statement.Action).some((pattern) => glob(pattern).test(action)) &&
      list(statement.Resource).some((resource) => resourceIs(resource, logicalId)) &&
      conditionAllows(statement, partitionKey),
  );

/** Names of the entries in a zip file (reads the central directory). */
export const zipEntries = (path: string): string[] => {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${path} is not a zip`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
};

/** Would the role allow `action` on `*` (actions without resource types, e.g. X-Ray)? */
export const allowsAnywhere = (template: Template, roleLogicalId: string, action: string): boolean =>
  statementsOf(template, roleLogicalId).some(
    (statement) =>
      statement.Effect === 'Allow' &&
      list(statement.Action).some((pattern) => glob(pattern).test(action)) &&
      list(statement.Resource).includes('*'),
  );
