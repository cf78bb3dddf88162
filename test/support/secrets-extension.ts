import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the AWS Parameters and Secrets Lambda Extension on a real local port, speaking its
 * documented API: `GET /systemsmanager/parameters/get?name=<name>&withDecryption=true` with the
 * `X-Aws-Parameters-Secrets-Token` header (the function's AWS_SESSION_TOKEN), answered with SSM
 * GetParameter's JSON shape
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html).
 */
export interface SecretsExtension {
  port: number;
  /** Every request, in order. */
  requests: { url: string; token: string | undefined; at: number }[];
  /** The parameter's current value; change it to "rotate". */
  parameters: Map<string, string>;
  /** `ok` answers; `error` answers 500; `hang` accepts and never answers; `delayMs` slows `ok`. */
  behaviour: { mode: 'ok' | 'error' | 'hang'; delayMs: number };
  close: () => Promise<void>;
}

export const startSecretsExtension = async (token: string): Promise<SecretsExtension> => {
  const requests: SecretsExtension['requests'] = [];
  const parameters = new Map<string, string>();
  const behaviour: SecretsExtension['behaviour'] = { mode: 'ok', delayMs: 0 };
  const answer = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      response.writeHead(status, { 'content-type': 'application/json' }).end(text);
    };
    const name = url.searchParams.get('name') ?? '';
    const value = parameters.get(name);
    if (request.headers['x-aws-parameters-secrets-token'] !== token) send(401, 'unauthorized');
    else if (request.method !== 'GET' || url.pathname !== '/systemsmanager/parameters/get')
      send(404, 'not found');
    else if (behaviour.mode === 'error') send(500, 'internal error');
    else if (value === undefined) send(400, `parameter ${name} not found`);
    else
      send(200, {
        Parameter: {
          ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`,
          DataType: 'text',
          LastModifiedDate: new Date().toISOString(),
          Name: name,
          Selector: null,
          SourceResult: null,
          Type: url.searchParams.get('withDecryption') === 'true' ? 'SecureString' : 'String',
          Value: value,
          Version: 1,
        },
        ResultMetadata: {},
      });
  };
  const server = createServer((request, response) => {
    requests.push({
      url: request.url ?? '',
      token: request.headers['x-aws-parameters-secrets-token'] as string | undefined,
      at: Date.now(),
    });
    if (behaviour.mode === 'hang') return;
    if (behaviour.delayMs > 0) setTimeout(() => answer(request, response), behaviour.delayMs);
    else answer(request, response);
  });
  // Every interface: the ingest dials `localhost`, which may resolve to ::1 or 127.0.0.1.
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    parameters,
    behaviour,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
