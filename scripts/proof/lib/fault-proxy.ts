import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of an emulator that a fault suite can break on purpose:
 * - `pass`: forwards bytes both ways;
 * - `hang`: accepts connections and never answers (bytes are swallowed both ways, also on
 *   connections opened before the switch): the failure an SDK's timeouts must bound;
 * - `refuse`: resets every connection (RST), new and existing.
 * The emulators never hang or reset on their own, so this is how the suites test those failure modes
 * against the real handlers (DEVELOPERS.md: "a socket that accepts and never answers").
 */
export type ProxyMode = 'pass' | 'hang' | 'refuse';

export interface FaultProxy {
  url: string;
  port: number;
  readonly mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  /** Where `pass` forwards to; until set, the proxy refuses. */
  setTarget(endpoint: string): void;
  /** Connections accepted so far (to prove traffic went through it). */
  readonly connections: number;
  close(): Promise<void>;
}

export const startFaultProxy = async (): Promise<FaultProxy> => {
  let mode: ProxyMode = 'pass';
  let target: { host: string; port: number } | undefined;
  let connections = 0;
  const live = new Set<{ client: Socket; upstream: Socket | undefined; tainted?: boolean }>();

  const reset = (socket: Socket | undefined): void => {
    if (socket === undefined || socket.destroyed) return;
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  };

  const server: Server = createServer((client) => {
    connections += 1;
    client.on('error', () => undefined);
    if (mode === 'refuse' || target === undefined) return reset(client);
    const pair: { client: Socket; upstream: Socket | undefined; tainted?: boolean } = {
      client,
      upstream: undefined,
    };
    live.add(pair);
    client.once('close', () => {
      live.delete(pair);
      pair.upstream?.destroy();
    });
    if (mode === 'hang') {
      client.on('data', () => undefined);
      return;
    }
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => reset(client));
    upstream.once('close', () => client.destroy());
    // Forwarded only while passing: a switch to `hang` silences even open keep-alive connections.
    client.on('data', (chunk) => {
      if (mode === 'pass') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'pass') client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    get connections() {
      return connections;
    },
    setMode(next) {
      mode = next;
      // Connections opened while hanging, or before a reset, carry no usable state: drop them so the
      // clients open fresh ones (a hung request on them still hangs: its bytes were swallowed).
      if (next === 'hang') for (const pair of live) pair.tainted = true;
      if (next === 'refuse') for (const pair of live) reset(pair.client);
      if (next === 'pass')
        for (const pair of live) if (pair.upstream === undefined || pair.tainted) reset(pair.client);
    },
    setTarget(endpoint) {
      const url = new URL(endpoint);
      target = { host: url.hostname, port: Number(url.port) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of live) reset(pair.client);
        server.close(() => resolve());
      }),
  };
};
