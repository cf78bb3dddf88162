import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { CliError } from './errors.ts';

/**
 * The few calls `mhub status`/`doctor` make to services the project has no SDK client for in its
 * dependencies (SSM, Lambda, CloudWatch, SNS, CloudFormation): SigV4-signed HTTPS requests made with
 * the SDK's own signer (`@smithy/signature-v4`, as functions/ingest/spillover-writer.ts does), with
 * the credentials the stage's DynamoDB client resolved from the standard chain. Nothing here is
 * imported by a Lambda bundle. Not exercised against real AWS in this repository's tests.
 *
 * Protocols, from the services' API references:
 * - SSM: AWS JSON 1.1, `X-Amz-Target: AmazonSSM.<Action>`
 *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonParameters.html)
 * - Lambda: REST, `GET /2015-03-31/event-source-mappings/?FunctionName=`
 *   (https://docs.aws.amazon.com/lambda/latest/api/API_ListEventSourceMappings.html)
 * - CloudWatch, SNS, CloudFormation: the Query protocol, `Action=...&Version=...` form posts
 *   answered in XML (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/making-api-requests.html).
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

const toBinary = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

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

export interface AwsCaller {
  region: string;
  credentials: () => Promise<AwsCredentials>;
  fetch?: typeof fetch;
}

interface AwsRequest {
  service: string;
  /** Host prefix when it differs from the signing name (`monitoring` for CloudWatch). */
  host?: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

const call = async (caller: AwsCaller, request: AwsRequest): Promise<string> => {
  const host = `${request.host ?? request.service}.${caller.region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: request.service,
    region: caller.region,
    credentials: await caller.credentials(),
    sha256: NodeSha256,
  });
  const signed = await signer.sign({
    method: request.method,
    protocol: 'https:',
    hostname: host,
    path: request.path,
    query: request.query ?? {},
    headers: { host, ...(request.headers ?? {}) },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const query = new URLSearchParams(request.query ?? {}).toString();
  const response = await (caller.fetch ?? fetch)(
    `https://${host}${request.path}${query ? `?${query}` : ''}`,
    {
      method: request.method,
      headers: signed.headers as Record<string, string>,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(10_000),
    },
  );
  const text = await response.text();
  if (!response.ok) {
    const code =
      /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/.exec(text)?.[1];
    throw new AwsCallError(request.service, response.status, code ?? 'error', text.slice(0, 200));
  }
  return text;
};

export class AwsCallError extends CliError {
  readonly service: string;
  readonly status: number;
  readonly code: string;
  constructor(service: string, status: number, code: string, detail: string) {
    super(`${service}: ${status} ${code}${detail.includes(code) ? '' : `: ${detail.replace(/\s+/g, ' ')}`}`);
    this.service = service;
    this.status = status;
    this.code = code;
  }
}

/** AWS JSON 1.1 (SSM). */
export const awsJson = async (
  caller: AwsCaller,
  service: string,
  target: string,
  body: unknown,
): Promise<Record<string, unknown>> =>
  JSON.parse(
    await call(caller, {
      service,
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body: JSON.stringify(body),
    }),
  ) as Record<string, unknown>;

/** The Query protocol: returns the XML text (read with `xmlValues`). */
export const awsQuery = (
  caller: AwsCaller,
  service: string,
  version: string,
  params: Record<string, string>,
  host?: string,
): Promise<string> =>
  call(caller, {
    service,
    ...(host === undefined ? {} : { host }),
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams({ Action: params.Action ?? '', Version: version, ...params }).toString(),
  });

/** REST GET returning JSON (Lambda). */
export const awsRestGet = async (
  caller: AwsCaller,
  service: string,
  path: string,
  query: Record<string, string>,
): Promise<Record<string, unknown>> =>
  JSON.parse(await call(caller, { service, method: 'GET', path, query })) as Record<string, unknown>;

/** Every `<tag>value</tag>` text in an XML answer, in order (the answers read here are flat enough). */
export const xmlValues = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((match) =>
    (match[1] ?? '')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&apos;', "'")
      .replaceAll('&amp;', '&'),
  );

/** The `<member>` blocks of an XML answer. */
export const xmlMembers = (xml: string): string[] =>
  [...xml.matchAll(/<member>([\s\S]*?)<\/member>/g)].map((match) => match[1] ?? '');
