import type { Answer, httpClient } from './http.ts';
import { sleep } from './http.ts';
import { type Delivery, sendDelivery } from './traffic.ts';

/** Every request a suite sent, with its answer and the phase it belonged to: nothing goes uncounted. */
export interface Sent {
  delivery: Delivery;
  phase: string;
  status: number;
  ms: number;
  body: unknown;
  error?: string;
  spilled: boolean;
  at: number;
}

export const createLedger = () => {
  const entries: Sent[] = [];
  const record = (delivery: Delivery, phase: string, answer: Answer): Sent => {
    const body = answer.json as { spilled?: boolean } | undefined;
    const entry: Sent = {
      delivery,
      phase,
      status: answer.status,
      ms: answer.ms,
      body: answer.json ?? answer.text.slice(0, 200),
      spilled: body?.spilled === true,
      at: performance.now(),
      ...(answer.error === undefined ? {} : { error: answer.error }),
    };
    entries.push(entry);
    return entry;
  };
  return {
    entries,
    record,
    of: (phase: string) => entries.filter((entry) => entry.phase === phase),
    accepted: () => entries.filter((entry) => entry.status === 202),
  };
};
export type Ledger = ReturnType<typeof createLedger>;

/**
 * Background traffic: `concurrency` senders take the next delivery of `source` until stopped (or it
 * runs out), each answer recorded under the current phase.
 */
export const startPump = (options: {
  client: ReturnType<typeof httpClient>;
  sourceName: string;
  secret: string;
  deliveries: Delivery[];
  ledger: Ledger;
  concurrency: number;
  phase: () => string;
  /** Pause between a sender's requests, ms (a steady stream rather than a flood). */
  gapMs?: number;
}) => {
  let running = true;
  let next = 0;
  const workers = Array.from({ length: options.concurrency }, async () => {
    while (running && next < options.deliveries.length) {
      const delivery = options.deliveries[next++]!;
      const phase = options.phase();
      const answer = await sendDelivery(options.client, options.sourceName, options.secret, delivery);
      options.ledger.record(delivery, phase, answer);
      if (options.gapMs) await sleep(options.gapMs);
    }
  });
  return {
    sent: () => next,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
};
