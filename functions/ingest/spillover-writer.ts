import { createHash, createHmac } from 'node:crypto';
import {
  isAlreadyStored,
  type SpilloverRecord,
  type SpilloverWrite,
  spilloverWrite,
} from '../../lib/spillover/record.ts';

/**
 * The ingest's spillover writer: the one conditional DynamoDB write of a spillover record, sent as a
 * SigV4-signed request to DynamoDB's JSON API with the credentials and region the SQS client
 * already resolved. The full DynamoDB client would add ~54 KB to the ingest bundle (over its size
 * budget) for one rarely used call; the sweeper, which reads and deletes, uses the SDK.
 * The endpoint honours `AWS_ENDPOINT_URL_DYNAMODB` like the SDK, for DynamoDB Local.
 */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SignedWriterConfig {
  region: () => Promise<string>;
  credentials: () => Promise<Credentials>;
  /** e.g. `http://127.0.0.1:8000`; default `https://dynamodb.<region>.amazonaws.com`. */
  endpoint?: string | undefined;
  tableName: string;
  fetch?: typeof fetch;
}

const sha256Hex = (data: string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** AWS Signature Version 4 headers for a POST of `body` to `url` (service `dynamodb`). */
export const signDynamoDbRequest = (
  url: URL,
  target: string,
  body: string,
  region: string,
  credentials: Credentials,
  now: Date,
): Record<string, string> => {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    'POST',
    url.pathname || '/',
    '',
    ...names.map((name) => `${name}:${headers[name]}`),
    '',
    names.join(';'),
    sha256Hex(body),
  ].join('\n');
  const scope = `${day}/${region}/dynamodb/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), 'dynamodb'),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  const { host: _host, ...sent } = headers;
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
};

/** JSON wire form: binary attribute values travel as base64. */
const toWireJson = (input: SpilloverWrite['input']): string =>
  JSON.stringify(input, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : value;
  });

/** An error shaped like the SDK's: `name` from `__type`, HTTP status in `$metadata`. */
class DynamoDbHttpError extends Error {
  $metadata: { httpStatusCode: number };
  CancellationReasons?: { Code?: string }[];
  constructor(name: string, message: string, status: number, reasons?: { Code?: string }[]) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
    if (reasons !== undefined) this.CancellationReasons = reasons;
  }
}

export const signedSpilloverWriter =
  (config: SignedWriterConfig) =>
  async (record: SpilloverRecord, signal?: AbortSignal): Promise<'stored' | 'duplicate'> => {
    const [region, credentials] = await Promise.all([config.region(), config.credentials()]);
    const url = new URL(config.endpoint ?? `https://dynamodb.${region}.amazonaws.com/`);
    const write = spilloverWrite(config.tableName, record);
    const body = toWireJson(write.input);
    const target = `DynamoDB_20120810.${write.operation}`;
    const response = await (config.fetch ?? fetch)(url, {
      method: 'POST',
      headers: signDynamoDbRequest(url, target, body, region, credentials, new Date()),
      body,
      signal: signal ?? null,
    });
    const text = await response.text();
    if (response.ok) return 'stored';
    let parsed: {
      __type?: string;
      message?: string;
      Message?: string;
      CancellationReasons?: { Code?: string }[];
    } = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the status
    }
    const name = parsed.__type?.split('#').pop() ?? `HTTP${response.status}`;
    const error = new DynamoDbHttpError(
      name,
      parsed.message ?? parsed.Message ?? text.slice(0, 200),
      response.status,
      parsed.CancellationReasons,
    );
    if (isAlreadyStored(error)) return 'duplicate';
    throw error;
  };
