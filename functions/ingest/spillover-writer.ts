import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { AppError } from '#lib/errors.ts';
import {
  isAlreadyStored,
  type SpilloverRecord,
  type SpilloverWrite,
  spilloverWrite,
} from '#lib/store/spillover-record.ts';

/**
 * The ingest's spillover writer: the one conditional DynamoDB write of a spillover record, sent as a
 * SigV4-signed request (the SDK's own signer) to DynamoDB's JSON API with the credentials and region the SQS client
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

const toBinary = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** node:crypto SHA-256 / HMAC in the shape the SDK's SigV4 signer takes. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBinary(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBinary(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/**
 * SigV4 headers for a POST of `body` to DynamoDB's JSON API, made by the SDK's own signer
 * (`@smithy/signature-v4`, already in the bundle through the SQS client).
 */
export const signDynamoDbRequest = async (
  url: URL,
  target: string,
  body: string,
  region: string,
  credentials: Credentials,
  now: Date,
): Promise<Record<string, string>> => {
  const signer = new SignatureV4({
    service: 'dynamodb',
    region,
    credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname || '/',
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
      body,
    },
    { signingDate: now },
  );
  // fetch sets Host itself and refuses to be told.
  const { host: _host, ...headers } = signed.headers;
  return headers;
};

/** JSON wire form: binary attribute values travel as base64. */
const toWireJson = (input: SpilloverWrite['input']): string =>
  JSON.stringify(input, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : value;
  });

/** An error shaped like the SDK's: `name` from `__type`, HTTP status in `$metadata`. */
class DynamoDbHttpError extends AppError {
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
      headers: await signDynamoDbRequest(url, target, body, region, credentials, new Date()),
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
