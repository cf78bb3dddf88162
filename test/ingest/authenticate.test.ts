import { describe, expect, it } from 'vitest';
import { chatwootJson, specialCharsPayload } from '#fixtures/payloads.ts';
import { authenticate } from '#lib/ingest/authenticate.ts';
import type { SourceConfig } from '#lib/ingest/sources.ts';
import { signBody } from '#lib/signing.ts';

const NOW = 1_772_442_871; // 2026-03-02T09:14:31Z
const source = (overrides: Partial<SourceConfig> = {}): SourceConfig => ({
  secrets: ['s3cret'],
  tokens: [],
  accountId: null,
  ...overrides,
});
const body = Buffer.from('{"event":"message_created","id":1}');
const signed = (secret: string, raw: Buffer | string, timestamp: number | string = NOW) => ({
  'x-chatwoot-timestamp': String(timestamp),
  'x-chatwoot-signature': signBody(secret, String(timestamp), raw),
});
const run = (config: SourceConfig, headers: Record<string, string>, raw: Buffer = body, query = {}) =>
  authenticate(config, { headers, query, rawBody: raw }, NOW);

describe('signature vectors', () => {
  it('accepts a valid signature and reports the sender timestamp', () => {
    expect(run(source(), signed('s3cret', body))).toEqual({
      ok: true,
      mode: 'signature',
      senderTimestamp: new Date(NOW * 1000).toISOString(),
    });
  });

  it('accepts any one of several configured secrets (rotation)', () => {
    const config = source({ secrets: ['new-secret', 'old-secret'] });
    expect(run(config, signed('old-secret', body)).ok).toBe(true);
    expect(run(config, signed('new-secret', body)).ok).toBe(true);
  });

  it('refuses a tampered body', () => {
    const headers = signed('s3cret', body);
    const tampered = Buffer.from(body.toString().replace('"id":1', '"id":2'));
    expect(run(source(), headers, tampered)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a signature made with a wrong secret', () => {
    expect(run(source(), signed('not-the-secret', body))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses stale and future timestamps beyond 300 s, accepts the edges', () => {
    expect(run(source(), signed('s3cret', body, NOW - 301))).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(run(source(), signed('s3cret', body, NOW + 301))).toEqual({
      ok: false,
      reason: 'future_timestamp',
    });
    expect(run(source(), signed('s3cret', body, NOW - 300)).ok).toBe(true);
    expect(run(source(), signed('s3cret', body, NOW + 300)).ok).toBe(true);
  });

  it('refuses missing or malformed headers', () => {
    const good = signed('s3cret', body);
    expect(run(source(), {})).toEqual({ ok: false, reason: 'missing_signature' });
    expect(run(source(), { 'x-chatwoot-signature': good['x-chatwoot-signature'] })).toEqual({
      ok: false,
      reason: 'missing_timestamp',
    });
    for (const signature of ['', 'sha256=', 'sha1=abc', good['x-chatwoot-signature'].slice(7), 'sha256=zz'])
      expect(run(source(), { ...good, 'x-chatwoot-signature': signature })).toEqual({
        ok: false,
        reason: 'malformed_signature',
      });
    for (const timestamp of ['soon', '1.5', '-1', '1e9', `${NOW}000000000`])
      expect(run(source(), { ...good, 'x-chatwoot-timestamp': timestamp }).ok).toBe(false);
    expect(run(source(), { ...good, 'x-chatwoot-timestamp': 'soon' })).toEqual({
      ok: false,
      reason: 'malformed_timestamp',
    });
  });

  it('verifies the exact bytes of a body whose <>& were sent as \\u003c\\u003e\\u0026, not re-serialised JSON', () => {
    const raw = chatwootJson(specialCharsPayload());
    expect(raw).toContain('\\u003c');
    expect(raw).toContain('\\u0026');
    const headers = signed('s3cret', raw);
    expect(run(source(), headers, Buffer.from(raw)).ok).toBe(true);
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(reserialised).not.toBe(raw);
    expect(run(source(), headers, Buffer.from(reserialised))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts an upper-case hex signature (same bytes), refuses when no secret is configured', () => {
    const headers = signed('s3cret', body);
    const upper = {
      ...headers,
      'x-chatwoot-signature': `sha256=${headers['x-chatwoot-signature'].slice(7).toUpperCase()}`,
    };
    expect(run(source(), upper).ok).toBe(true);
    expect(run(source({ secrets: [], tokens: ['t'.repeat(32)] }), headers)).toEqual({
      ok: false,
      reason: 'no_secret_configured',
    });
  });
});

describe('token mode', () => {
  const token = 'tok-0123456789abcdef-xyz';
  const config = source({ secrets: [], tokens: [token, 'another-token-0123456789'] });

  it('accepts a matching ?token= (any configured one) with no signature headers', () => {
    expect(run(config, {}, body, { token })).toEqual({ ok: true, mode: 'token', senderTimestamp: null });
    expect(run(config, {}, body, { token: 'another-token-0123456789' }).ok).toBe(true);
  });

  it('refuses a wrong, truncated or missing token', () => {
    expect(run(config, {}, body, { token: `${token}x` })).toEqual({ ok: false, reason: 'bad_token' });
    expect(run(config, {}, body, { token: token.slice(0, -1) })).toEqual({ ok: false, reason: 'bad_token' });
    expect(run(config, {}, body, {})).toEqual({ ok: false, reason: 'bad_token' });
  });

  it('a source with only secrets ignores tokens', () => {
    expect(run(source(), {}, body, { token })).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('a signed request to a token source must verify by signature; a valid token does not rescue it', () => {
    const both = source({ secrets: ['s3cret'], tokens: [token] });
    expect(run(both, signed('s3cret', body), body, { token: 'wrong' }).ok).toBe(true);
    expect(run(both, signed('wrong', body), body, { token })).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
