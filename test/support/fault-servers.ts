import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { crc32 } from 'node:zlib';

/**
 * Endpoints that misbehave the way a real one can, on real sockets: one that accepts connections
 * and never answers, one that resets every connection, and HTTP servers answering AWS's JSON-protocol
 * error shapes (status, headers, `__type` body) for SQS and DynamoDB.
 */
export interface FaultServer {
  url: string;
  port: number;
  /** Connections (TCP servers) or requests (HTTP servers) seen so far. */
  hits: () => number;
  close: () => Promise<void>;
}

/** `any`: every interface (for clients that dial `localhost`, which may resolve to ::1 or 127.0.0.1). */
export type ListenOn = '127.0.0.1' | 'any';

const listening = async (
  server: Server,
  sockets: Set<Socket>,
  hits: () => number,
  on: ListenOn = '127.0.0.1',
): Promise<FaultServer> => {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) =>
    on === 'any' ? server.listen(0, resolve) : server.listen(0, on, resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${on === 'any' ? 'localhost' : on}:${port}`,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

/** Accepts every connection, reads what is sent, and never answers. */
export const hungServer = (on?: ListenOn): Promise<FaultServer> => {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    connections++;
    socket.resume();
  });
  return listening(server, sockets, () => connections, on);
};

/** Accepts every connection and resets it (TCP RST) as soon as the request starts arriving. */
export const resetServer = (): Promise<FaultServer> => {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    connections++;
    socket.once('data', () => socket.resetAndDestroy());
  });
  return listening(server, sockets, () => connections);
};

export interface AwsJsonError {
  status: number;
  /** e.g. `com.amazonaws.sqs#RequestThrottled`. */
  type: string;
  message: string;
  /** SQS's query-compatible `x-amzn-query-error` value, e.g. `RequestThrottled;Sender`. */
  queryError?: string;
}

/**
 * An HTTP server that answers every request with one AWS JSON-protocol error: `__type` and
 * `message` in an `application/x-amz-json-1.0` body, `x-amzn-RequestId`, SQS's `x-amzn-query-error`
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html)
 * and DynamoDB's `x-amz-crc32` of the body
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 */
export const awsErrorServer = (error: AwsJsonError): Promise<FaultServer> => {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createHttpServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => {
      const body = JSON.stringify({ __type: error.type, message: error.message });
      response.writeHead(error.status, {
        'x-amzn-requestid': randomUUID(),
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-crc32': String(crc32(body)),
        date: new Date().toUTCString(),
        ...(error.queryError === undefined ? {} : { 'x-amzn-query-error': error.queryError }),
      });
      response.end(body);
    });
  });
  return listening(server as unknown as Server, sockets, () => requests);
};

/** SQS's own error shapes (JSON protocol), as @aws-sdk/client-sqs models them. */
export const sqsErrors = {
  internal: {
    status: 500,
    type: 'com.amazonaws.sqs#InternalFailure',
    message: 'We encountered an internal error. Please try again.',
    queryError: 'InternalFailure;Receiver',
  },
  /** The modelled throttling error: HTTP 403, `RequestThrottled;Sender`. */
  requestThrottled: {
    status: 403,
    type: 'com.amazonaws.sqs#RequestThrottled',
    message: 'Rate exceeded',
    queryError: 'RequestThrottled;Sender',
  },
  /** The common throttling error every AWS JSON service may send. */
  throttling: {
    status: 400,
    type: 'com.amazonaws.sqs#ThrottlingException',
    message: 'Rate exceeded',
    queryError: 'ThrottlingException;Sender',
  },
} satisfies Record<string, AwsJsonError>;

export const dynamoDbErrors = {
  internal: {
    status: 500,
    type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'Internal server error',
  },
  throughputExceeded: {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded.',
  },
} satisfies Record<string, AwsJsonError>;
