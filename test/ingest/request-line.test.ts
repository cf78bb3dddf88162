import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The ingest writes one JSON line per request that is both its access log line and the CloudWatch
 * EMF record of `Webhooks` (lib/observability.ts `writeRequestLine`). The settings are read at
 * module scope, so each case imports the modules afresh under its environment.
 */
const capture = async (env: Record<string, string>) => {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const { recordOutcome } = await import('#lib/ingest/outcome.ts');
  return { lines, recordOutcome };
};

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the ingest request line', () => {
  it('at INFO is one JSON line carrying the access log and the EMF metrics', async () => {
    const { lines, recordOutcome } = await capture({
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    const logged = recordOutcome(
      { outcome: 'accepted', event: 'other', spilled: true },
      { correlation_id: 'ev-1', event: 'inbox_created', route: 'archive' },
    );
    expect(logged).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('}\n')).toBe(true);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'webhook accepted',
      service: 'messagehub-webhooks',
      correlation_id: 'ev-1',
      route: 'archive',
      outcome: 'accepted',
      event: 'other',
      event_name: 'inbox_created',
      Webhooks: 1,
      Spilled: 1,
    });
    expect(typeof line.timestamp).toBe('string');
    expect(typeof line._aws.Timestamp).toBe('number');
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'MessageHubWebhooks',
        Dimensions: [['service', 'outcome']],
        Metrics: [{ Name: 'Webhooks', Unit: 'Count' }],
      },
      {
        Namespace: 'MessageHubWebhooks',
        Dimensions: [['service']],
        Metrics: [{ Name: 'Spilled', Unit: 'Count' }],
      },
    ]);
  });

  it('at WARN, or without log keys, is the metric record only; with both off, nothing', async () => {
    const warn = await capture({ POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'false' });
    expect(warn.recordOutcome({ outcome: 'accepted', event: 'message_created', spilled: false }, {})).toBe(
      false,
    );
    expect(warn.recordOutcome({ outcome: 'bad_signature', event: null, spilled: false })).toBe(false);
    expect(warn.lines).toHaveLength(2);
    for (const text of warn.lines) {
      const line = JSON.parse(text);
      expect(line.level).toBeUndefined();
      expect(line.Webhooks).toBe(1);
    }
    expect(JSON.parse(warn.lines[1]!).event).toBe('none');
    vi.restoreAllMocks();
    const silent = await capture({ POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' });
    expect(silent.recordOutcome({ outcome: 'accepted', event: 'message_created', spilled: false }, {})).toBe(
      false,
    );
    expect(silent.lines).toEqual([]);
  });
});
