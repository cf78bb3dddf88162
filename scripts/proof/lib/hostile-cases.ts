import { randomBytes } from 'node:crypto';
import { handledEventNames } from '#contracts/routes.ts';
import { handledPayload, type Payload } from '#fixtures/payloads.ts';
import { chatwootJson } from '#lib/events/chatwoot-json.ts';
import { deliveryHeader, signatureHeader, signBody, timestampHeader } from '#lib/signing.ts';
import type { RequestSpec } from './http.ts';
import type { Prng } from './traffic.ts';

/**
 * The hostile suite's request generator: every case is a request plus the statuses a correct
 * receiver may answer it with. Seeded (traffic.ts `prng`), so a failing seed replays.
 */

export interface HostileCase {
  category: string;
  label: string;
  spec: RequestSpec;
  /** Acceptable statuses. */
  expect: readonly number[];
  /** HEAD: no body to check. */
  noBody?: boolean;
}

export interface HostileContext {
  source: string;
  secret: string;
  tokenSource: string;
  token: string;
}

type Json = Record<string, unknown>;
type Path = (string | number)[];

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const signed = (
  ctx: HostileContext,
  body: string | Buffer,
  extra: Record<string, string | string[]> = {},
  ts = nowSeconds(),
) => ({
  'content-type': 'application/json',
  [timestampHeader]: String(ts),
  [signatureHeader]: signBody(ctx.secret, String(ts), body),
  'user-agent': 'rest-client/2.1.0 (linux x86_64) ruby/3.3.6p108',
  ...extra,
});

const post = (
  ctx: HostileContext,
  body: string | Buffer,
  extra: Record<string, string | string[]> = {},
): RequestSpec => ({
  path: `/webhooks/${ctx.source}`,
  headers: signed(ctx, body, extra),
  body,
});

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Every path in a JSON value: objects, arrays and leaves, root excluded. */
export const pathsOf = (value: unknown, prefix: Path = []): Path[] => {
  const out: Path[] = [];
  if (Array.isArray(value))
    value.forEach((item, index) => {
      out.push([...prefix, index], ...pathsOf(item, [...prefix, index]));
    });
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value))
      out.push([...prefix, key], ...pathsOf(item, [...prefix, key]));
  return out;
};

/** Object nodes (root included), for key injection at every level. */
const objectPaths = (value: unknown): Path[] => [
  [],
  ...pathsOf(value).filter((path) => {
    const node = getAt(value, path);
    return typeof node === 'object' && node !== null && !Array.isArray(node);
  }),
];

const getAt = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)?.[key], value);

const setAt = (value: unknown, path: Path, replacement: unknown): void => {
  const parent = getAt(value, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = replacement;
};

const payloads = handledEventNames.flatMap((event) =>
  (['real', 'doc'] as const).map((shape) => ({ event, shape, payload: handledPayload(event, { shape }) })),
);
/** Every field of every handled event (both shapes): what the wrong-type cases walk through. */
export const fieldTargets = payloads.flatMap(({ event, shape, payload }) =>
  pathsOf(payload).map((path) => ({ event, shape, payload, path })),
);

const BIG = '__HOSTILE_LITERAL__';
/** Wrong types, and numbers JavaScript cannot hold exactly or at all. */
const replacements: { label: string; value: unknown; literal?: string }[] = [
  { label: 'string', value: 'not the right type' },
  { label: 'empty string', value: '' },
  { label: 'number', value: 12345 },
  { label: 'negative', value: -1 },
  { label: 'float', value: 1.5 },
  { label: 'true', value: true },
  { label: 'false', value: false },
  { label: 'null', value: null },
  { label: 'object', value: { nested: 'x' } },
  { label: 'array', value: [1, 'two', null] },
  { label: 'big integer', value: BIG, literal: '123456789012345678901234567890' },
  { label: '2^53+1', value: BIG, literal: '9007199254740993' },
  { label: '1e308', value: BIG, literal: '1e308' },
  { label: '-1e400 (overflows)', value: BIG, literal: '-1e400' },
  { label: '1e-400 (underflows)', value: BIG, literal: '1e-400' },
  { label: '-0', value: BIG, literal: '-0' },
  { label: 'numeric string', value: '9007199254740993' },
  { label: 'ISO date string', value: '2026-03-02T09:14:31.000Z' },
];

const withLiteral = (payload: unknown, literal: string | undefined): string => {
  const text = chatwootJson(payload as Payload);
  return literal === undefined ? text : text.replace(`"${BIG}"`, literal);
};

const protoKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const protoValues: unknown[] = [
  { polluted: true },
  { constructor: { prototype: { polluted: true } } },
  'x',
  null,
  [],
  1,
];

export const generateCase = (index: number, random: Prng, ctx: HostileContext): HostileCase => {
  const roll = random.next();
  const base = random.pick(payloads);
  const valid = chatwootJson(base.payload);

  if (roll < 0.08)
    return {
      category: 'valid',
      label: `${base.event} (${base.shape})`,
      spec: post(ctx, valid),
      expect: [202],
    };

  if (roll < 0.16) {
    const bytes = randomBytes(random.int(4096));
    return {
      category: 'random bytes',
      label: `${bytes.length} bytes`,
      spec: post(ctx, bytes),
      expect: [400],
    };
  }
  if (roll < 0.24) {
    const cut = random.int(valid.length - 1);
    return {
      category: 'truncated JSON',
      label: `${base.event} cut at ${cut}/${valid.length}`,
      spec: post(ctx, valid.slice(0, cut)),
      expect: [400],
    };
  }
  if (roll < 0.29) {
    const depth = random.pick([64, 256, 1000, 5000, 20_000, 100_000, 1_000_000]);
    const object = random.chance(0.5);
    const deep = object
      ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
      : `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const payload = clone(base.payload) as Json;
    const targets = pathsOf(payload);
    const path = random.chance(0.3) || targets.length === 0 ? ['extra'] : random.pick(targets);
    setAt(payload, path, BIG);
    return {
      category: 'deep nesting',
      label: `${base.event} ${path.join('.')} = ${object ? 'objects' : 'arrays'} × ${depth}`,
      spec: post(ctx, withLiteral(payload, deep)),
      expect: [202, 400, 413],
    };
  }
  if (roll < 0.31) {
    const size = random.pick([100_000, 400_000, 700_000, 1_000_000, 2_000_000, 3_900_000, 5_000_000]);
    const incompressible = random.chance(0.5);
    const text = incompressible
      ? randomBytes(Math.ceil(size * 0.75))
          .toString('base64')
          .slice(0, size)
      : 'Lorem ipsum dolor sit amet. '.repeat(Math.ceil(size / 28)).slice(0, size);
    const payload = clone(handledPayload('message_created')) as Json;
    const where = random.pick(['content', 'extra', 'sender.name']);
    setAt(payload, where.split('.'), text);
    return {
      category: 'multi-MB string',
      label: `${where} = ${size} ${incompressible ? 'random' : 'repetitive'} chars`,
      spec: post(ctx, chatwootJson(payload as Payload)),
      expect: [202, 413],
    };
  }
  if (roll < 0.43) {
    const payload = clone(base.payload) as Json;
    const nodes = objectPaths(payload);
    const path = nodes[index % nodes.length]!;
    const key = random.pick(protoKeys);
    const node = getAt(payload, path) as Json;
    Object.defineProperty(node, key, {
      value: random.pick(protoValues),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return {
      category: '__proto__/constructor',
      label: `${base.event} (${base.shape}) ${path.join('.') || '<root>'}.${key}`,
      spec: post(ctx, chatwootJson(payload as Payload)),
      expect: [202],
    };
  }
  if (roll < 0.68) {
    const target = fieldTargets[(index * 7919) % fieldTargets.length]!;
    const replacement = random.pick(replacements);
    const payload = clone(target.payload) as Json;
    setAt(payload, target.path, replacement.value);
    // A wrong `event` is the one field that changes the answer: it is how the event is named.
    const eventField = target.path.length === 1 && target.path[0] === 'event';
    return {
      category: 'wrong type',
      label: `${target.event} (${target.shape}) ${target.path.join('.')} = ${replacement.label}`,
      spec: post(ctx, withLiteral(payload, replacement.literal)),
      expect: eventField ? [202, 400] : [202],
    };
  }
  if (roll < 0.74) {
    const cases: { type: string | string[] | undefined; expect: number[] }[] = [
      { type: undefined, expect: [415] },
      { type: 'text/plain', expect: [415] },
      { type: 'application/x-www-form-urlencoded', expect: [415] },
      { type: 'multipart/form-data; boundary=x', expect: [415] },
      { type: 'application/xml', expect: [415] },
      { type: '', expect: [415] },
      { type: 'application/jsonx', expect: [415] },
      { type: 'application/json; charset=utf-8', expect: [202] },
      { type: 'APPLICATION/JSON', expect: [202] },
      { type: 'application/json;charset=UTF-8', expect: [202] },
      { type: 'application/vnd.api+json', expect: [202, 415] },
      { type: 'application/json; charset=utf-16', expect: [202, 400, 415] },
      { type: ['application/json', 'text/plain'], expect: [202, 415] },
      { type: ['text/plain', 'application/json'], expect: [202, 415] },
      { type: `application/json; ${'x=y; '.repeat(1000)}`, expect: [202, 415] },
      { type: '*/*', expect: [415] },
    ];
    const pick = cases[index % cases.length]!;
    const headers = signed(ctx, valid) as Record<string, string | string[]>;
    if (pick.type === undefined) delete headers['content-type'];
    else headers['content-type'] = pick.type;
    return {
      category: 'content type',
      label: JSON.stringify(pick.type)?.slice(0, 80) ?? 'none',
      spec: { path: `/webhooks/${ctx.source}`, headers, body: valid },
      expect: pick.expect,
    };
  }
  if (roll < 0.8) {
    const headers = signed(ctx, valid) as Record<string, string | string[]>;
    const good = headers[signatureHeader] as string;
    const variants: { label: string; apply: () => void; expect: number[] }[] = [
      {
        label: 'signature twice (good, bad)',
        apply: () => (headers[signatureHeader] = [good, `sha256=${'0'.repeat(64)}`]),
        expect: [202, 401],
      },
      {
        label: 'signature twice (bad, good)',
        apply: () => (headers[signatureHeader] = [`sha256=${'0'.repeat(64)}`, good]),
        expect: [202, 401],
      },
      {
        label: 'timestamp twice',
        apply: () => (headers[timestampHeader] = [String(nowSeconds()), String(nowSeconds())]),
        expect: [202, 401],
      },
      {
        label: 'delivery id twice',
        apply: () => (headers[deliveryHeader] = [`dup-${index}-a`, `dup-${index}-b`]),
        expect: [202],
      },
      { label: '8 KB header', apply: () => (headers['x-padding'] = 'p'.repeat(8000)), expect: [202] },
      { label: '8 KB delivery id', apply: () => (headers[deliveryHeader] = 'd'.repeat(8000)), expect: [202] },
      {
        label: '8 KB signature',
        apply: () => (headers[signatureHeader] = `sha256=${'a'.repeat(8000)}`),
        expect: [401],
      },
      { label: '8 KB timestamp', apply: () => (headers[timestampHeader] = '1'.repeat(8000)), expect: [401] },
      {
        label: '200 extra headers',
        apply: () => {
          for (let k = 0; k < 200; k++) headers[`x-extra-${k}`] = `v${k}`;
        },
        expect: [202],
      },
      {
        label: 'delivery id with spaces and unicode',
        apply: () => (headers[deliveryHeader] = ' weird id \u00e9 '),
        expect: [202],
      },
    ];
    const variant = variants[index % variants.length]!;
    variant.apply();
    return {
      category: 'headers',
      label: variant.label,
      spec: { path: `/webhooks/${ctx.source}`, headers, body: valid },
      expect: variant.expect,
    };
  }
  if (roll < 0.9) {
    const now = nowSeconds();
    const withTs = (ts: string, signature?: string) => ({
      'content-type': 'application/json',
      [timestampHeader]: ts,
      [signatureHeader]: signature ?? signBody(ctx.secret, ts, valid),
    });
    const hex = signBody(ctx.secret, String(now), valid);
    const variants: { label: string; headers: Record<string, string>; path?: string; expect: number[] }[] = [
      {
        label: 'no signature',
        headers: { 'content-type': 'application/json', [timestampHeader]: String(now) },
        expect: [401],
      },
      {
        label: 'no timestamp',
        headers: { 'content-type': 'application/json', [signatureHeader]: hex },
        expect: [401],
      },
      { label: 'no headers at all', headers: { 'content-type': 'application/json' }, expect: [401] },
      {
        label: 'wrong secret',
        headers: withTs(String(now), signBody('not-the-secret', String(now), valid)),
        expect: [401],
      },
      {
        label: 'signature of another body',
        headers: withTs(String(now), signBody(ctx.secret, String(now), `${valid} `)),
        expect: [401],
      },
      {
        label: 'signature for another timestamp',
        headers: withTs(String(now), signBody(ctx.secret, String(now - 1), valid)),
        expect: [401],
      },
      {
        label: 'no sha256= prefix',
        headers: withTs(String(now), hex.replace(/^sha256=/, '')),
        expect: [202, 401],
      },
      {
        label: 'upper-case hex',
        headers: withTs(String(now), `sha256=${hex.slice(7).toUpperCase()}`),
        expect: [202, 401],
      },
      { label: 'sha1= prefix', headers: withTs(String(now), `sha1=${hex.slice(7)}`), expect: [401] },
      { label: 'truncated signature', headers: withTs(String(now), hex.slice(0, 40)), expect: [401] },
      { label: 'empty signature', headers: withTs(String(now), ''), expect: [401] },
      { label: 'timestamp 301 s old', headers: withTs(String(now - 301)), expect: [401] },
      // Ahead by more than the 300 s window plus the time a request can wait to be read on a busy machine.
      { label: 'timestamp 330 s ahead', headers: withTs(String(now + 330)), expect: [401] },
      { label: 'timestamp 240 s old', headers: withTs(String(now - 240)), expect: [202] },
      { label: 'timestamp 250 s ahead', headers: withTs(String(now + 250)), expect: [202] },
      { label: 'timestamp in ms', headers: withTs(String(now * 1000)), expect: [401] },
      { label: 'timestamp not a number', headers: withTs('yesterday'), expect: [401] },
      { label: 'timestamp float', headers: withTs(`${now}.5`), expect: [202, 401] },
      { label: 'timestamp negative', headers: withTs('-1'), expect: [401] },
      { label: 'timestamp 0', headers: withTs('0'), expect: [401] },
      { label: 'timestamp 10^20', headers: withTs('100000000000000000000'), expect: [401] },
      { label: 'timestamp with spaces', headers: withTs(` ${now} `), expect: [202, 401] },
      { label: 'timestamp ISO', headers: withTs(new Date(now * 1000).toISOString()), expect: [401] },
      {
        label: 'URL token, right',
        headers: { 'content-type': 'application/json' },
        path: `/webhooks/${ctx.tokenSource}?token=${ctx.token}`,
        expect: [202],
      },
      {
        label: 'URL token, wrong',
        headers: { 'content-type': 'application/json' },
        path: `/webhooks/${ctx.tokenSource}?token=${ctx.token.slice(0, -1)}x`,
        expect: [401],
      },
      {
        label: 'URL token, twice',
        headers: { 'content-type': 'application/json' },
        path: `/webhooks/${ctx.tokenSource}?token=${ctx.token}&token=nope`,
        expect: [202, 401],
      },
      {
        label: 'URL token on a signing-only source',
        headers: { 'content-type': 'application/json' },
        path: `/webhooks/${ctx.source}?token=${ctx.token}`,
        expect: [401],
      },
      {
        label: 'URL token, empty',
        headers: { 'content-type': 'application/json' },
        path: `/webhooks/${ctx.tokenSource}?token=`,
        expect: [401],
      },
    ];
    const variant = variants[index % variants.length]!;
    return {
      category: 'signature/timestamp',
      label: variant.label,
      spec: { path: variant.path ?? `/webhooks/${ctx.source}`, headers: variant.headers, body: valid },
      expect: variant.expect,
    };
  }
  const variants: { label: string; method: string; path: string; expect: number[]; noBody?: boolean }[] = [
    { label: 'GET', method: 'GET', path: `/webhooks/${ctx.source}`, expect: [405] },
    { label: 'PUT', method: 'PUT', path: `/webhooks/${ctx.source}`, expect: [405] },
    { label: 'DELETE', method: 'DELETE', path: `/webhooks/${ctx.source}`, expect: [405] },
    { label: 'PATCH', method: 'PATCH', path: `/webhooks/${ctx.source}`, expect: [405] },
    { label: 'OPTIONS', method: 'OPTIONS', path: `/webhooks/${ctx.source}`, expect: [405] },
    { label: 'HEAD', method: 'HEAD', path: `/webhooks/${ctx.source}`, expect: [405], noBody: true },
    { label: 'lower-case post', method: 'post', path: `/webhooks/${ctx.source}`, expect: [202, 400, 405] },
    { label: 'unknown source', method: 'POST', path: '/webhooks/nobody', expect: [404] },
    { label: 'no source', method: 'POST', path: '/webhooks/', expect: [404] },
    { label: 'no /webhooks/', method: 'POST', path: '/webhooks', expect: [404] },
    { label: 'extra segment', method: 'POST', path: `/webhooks/${ctx.source}/extra`, expect: [404] },
    { label: 'root', method: 'POST', path: '/', expect: [404] },
    { label: 'upper-case path', method: 'POST', path: `/WEBHOOKS/${ctx.source}`, expect: [404] },
    {
      label: 'dot segments',
      method: 'POST',
      path: `/webhooks/../webhooks/${ctx.source}`,
      expect: [202, 404],
    },
    { label: 'encoded dot segments', method: 'POST', path: '/webhooks/%2e%2e%2fhealth', expect: [404] },
    {
      label: 'encoded source',
      method: 'POST',
      path: `/webhooks/${encodeURIComponent(ctx.source).replace(/./, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
      expect: [202, 404],
    },
    { label: 'NUL in source', method: 'POST', path: '/webhooks/pro%00of', expect: [404] },
    { label: '4 KB source', method: 'POST', path: `/webhooks/${'s'.repeat(4000)}`, expect: [404] },
    {
      label: 'query string noise',
      method: 'POST',
      path: `/webhooks/${ctx.source}?a=1&a=2&b=%ZZ&${'q'.repeat(2000)}=1`,
      expect: [202],
    },
    { label: '__proto__ source', method: 'POST', path: '/webhooks/__proto__', expect: [404] },
    { label: 'constructor source', method: 'POST', path: '/webhooks/constructor', expect: [404] },
    { label: 'POST /health', method: 'POST', path: '/health', expect: [404, 405] },
    { label: 'GET /favicon.ico', method: 'GET', path: '/favicon.ico', expect: [404] },
  ];
  const variant = variants[index % variants.length]!;
  return {
    category: 'methods/paths',
    label: variant.label,
    spec: {
      method: variant.method,
      path: variant.path,
      headers: signed(ctx, valid),
      body: variant.method === 'HEAD' ? '' : valid,
    },
    expect: variant.expect,
    ...(variant.noBody ? { noBody: true } : {}),
  };
};
