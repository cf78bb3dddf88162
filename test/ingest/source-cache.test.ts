import { describe, expect, it } from 'vitest';
import { cachedSources, SourcesUnavailableError } from '#lib/ingest/source-cache.ts';

/**
 * The cache's rules with a fake reader and a fake clock (named as fakes: the real extension over
 * HTTP is exercised against the built bundle in built-bundle.test.ts).
 */
const fakeReader = (answers: (() => Promise<string>)[]) => {
  const reader = {
    calls: 0,
    read: (_signal: AbortSignal): Promise<string> => {
      const answer = answers[Math.min(reader.calls, answers.length - 1)] as () => Promise<string>;
      reader.calls++;
      return answer();
    },
  };
  return reader;
};
const json = (sources: Record<string, string>) => async () => JSON.stringify(sources);
const fail = (message: string) => async () => {
  throw new Error(message);
};

describe('lazily read, cached webhook sources', () => {
  it('reads on first use, reuses within the TTL, re-reads after it (a rotated source takes effect)', async () => {
    const clock = { t: 0 };
    const reader = fakeReader([json({ acme: 'one' }), json({ acme: 'two', added: 'x' })]);
    const sources = cachedSources({ read: reader.read, ttlMs: 1000, loadTimeoutMs: 100, now: () => clock.t });
    expect(reader.calls).toBe(0);
    expect((await sources()).get('acme')?.secrets).toEqual(['one']);
    clock.t = 999;
    expect((await sources()).get('acme')?.secrets).toEqual(['one']);
    expect(reader.calls).toBe(1);
    clock.t = 1000;
    const refreshed = await sources();
    expect(refreshed.get('acme')?.secrets).toEqual(['two']);
    expect(refreshed.has('added')).toBe(true);
    expect(reader.calls).toBe(2);
  });

  it('a failed first read throws SourcesUnavailableError, and the next use tries again', async () => {
    const reader = fakeReader([fail('extension down'), json({ acme: 'one' })]);
    const sources = cachedSources({ read: reader.read, ttlMs: 1000, loadTimeoutMs: 100 });
    await expect(sources()).rejects.toBeInstanceOf(SourcesUnavailableError);
    expect((await sources()).has('acme')).toBe(true);
    expect(reader.calls).toBe(2);
  });

  it('a failed or invalid refresh keeps the last good sources, warns, and waits before trying again', async () => {
    const clock = { t: 0 };
    const warnings: unknown[] = [];
    const reader = fakeReader([
      json({ acme: 'one' }),
      fail('throttled'),
      async () => '{"acme":',
      json({ acme: 'new' }),
    ]);
    const sources = cachedSources({
      read: reader.read,
      ttlMs: 1000,
      loadTimeoutMs: 100,
      retryMs: 200,
      now: () => clock.t,
      onRefreshFailed: (error) => warnings.push(error),
    });
    await sources();
    clock.t = 1000;
    expect((await sources()).get('acme')?.secrets).toEqual(['one']);
    expect(warnings).toHaveLength(1);
    clock.t = 1100; // within retryMs: no new read
    await sources();
    expect(reader.calls).toBe(2);
    clock.t = 1200; // the parameter now holds broken JSON: still the last good sources
    expect((await sources()).get('acme')?.secrets).toEqual(['one']);
    expect(warnings).toHaveLength(2);
    clock.t = 1400;
    expect((await sources()).get('acme')?.secrets).toEqual(['new']);
  });

  it('a read that never answers is cut at its deadline; concurrent uses share one read', async () => {
    const reader = fakeReader([() => new Promise<string>(() => {})]);
    const sources = cachedSources({ read: reader.read, ttlMs: 1000, loadTimeoutMs: 150 });
    const started = Date.now();
    const results = await Promise.allSettled([sources(), sources(), sources()]);
    const elapsed = Date.now() - started;
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof SourcesUnavailableError)).toBe(
      true,
    );
    expect(reader.calls).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
  });
});
