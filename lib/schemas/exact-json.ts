/**
 * The exact JSON text of a body's free-form values (attribute bags Chatwoot fills from user input).
 *
 * Workers store those values as text, not as DynamoDB maps (docs/data-model.md, "Free-form
 * values"): JSON.parse loses the digits of integers beyond 2^53, a `__proto__` key cannot survive a
 * round trip through objects and the SDK's marshaller, and DynamoDB refuses nesting beyond 32 levels.
 * The text is sliced from the raw body, so it is byte for byte what the sender sent.
 *
 * How a value finds its text: `parseBody` runs the native JSON.parse (fast, and not recursive: it
 * takes 100,000 levels), then one iterative scan of the same text records the source span of every
 * value under a free-form key, and each span is tied to the object JSON.parse built for it (a
 * WeakMap, so nothing outlives the objects). The schemas pass those objects through unchanged, or
 * link what they derive from them (`rememberExactJson`), so the store asks `exactJsonOf(object)`.
 */

/** Keys whose values are free-form, wherever they appear in a body. */
export const freeFormKeys: ReadonlySet<string> = new Set([
  'content_attributes',
  'custom_attributes',
  'additional_attributes',
  'event_info',
  'changed_attributes',
]);

const texts = new WeakMap<object, string>();

/** Ties a value derived from a body (a normalised copy, a parsed JSON-object string) to its exact text. */
export const rememberExactJson = (value: object, text: string): void => {
  texts.set(value, text);
};

/** The exact source text of an object `parseBody` built (or one linked to it), if known. */
export const exactJsonOf = (value: object): string | undefined => texts.get(value);

type Segment = string | number;
interface Frame {
  array: boolean;
  /** The key (objects) or index (arrays) of the value being read in this container. */
  at: Segment;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index just after the string literal starting at `start` (its opening quote). */
const endOfString = (text: string, start: number): number => {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let backslashes = 0;
    for (let k = quote - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
};

/** Index just after the value starting at `start` (valid JSON assumed: the text already parsed). */
const endOfValue = (text: string, start: number): number => {
  const c = text.charCodeAt(start);
  if (c === 0x22) return endOfString(text, start);
  if (c !== 0x7b && c !== 0x5b) {
    let i = start;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 0x22) {
      i = endOfString(text, i);
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
};

export interface FreeFormSpan {
  path: Segment[];
  start: number;
  end: number;
}

/**
 * The span of every value under a free-form key, outermost only (a bag inside a bag is part of its
 * text). For a path seen twice (duplicate keys), the last one wins, as in JSON.parse. Iterative: any
 * depth. `text` must be valid JSON.
 */
export const freeFormSpans = (text: string, keys: ReadonlySet<string> = freeFormKeys): FreeFormSpan[] => {
  const spans = new Map<string, FreeFormSpan>();
  const frames: Frame[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  };
  // State: about to read a value (true) or just past one (false).
  let expectValue = true;
  while (i <= text.length) {
    skipSpace();
    if (i >= text.length) break;
    const c = text.charCodeAt(i);
    if (expectValue) {
      if (c === 0x7b || c === 0x5b) {
        const array = c === 0x5b;
        i++;
        skipSpace();
        const close = text.charCodeAt(i);
        if (close === 0x7d || close === 0x5d) {
          i++;
          expectValue = false;
          continue;
        }
        frames.push({ array, at: 0 });
        if (!array && !readKey()) break;
        continue;
      }
      i = endOfValue(text, i);
      expectValue = false;
      continue;
    }
    const top = frames[frames.length - 1];
    if (top === undefined) break;
    if (c === 0x2c) {
      i++;
      if (top.array) {
        top.at = (top.at as number) + 1;
        expectValue = true;
      } else if (!readKey()) break;
      continue;
    }
    // `}` or `]`: the container ends.
    frames.pop();
    i++;
  }
  return [...spans.values()];

  /** Reads `"key":` and either records and skips a free-form value, or leaves the value to be read. */
  function readKey(): boolean {
    skipSpace();
    if (text.charCodeAt(i) !== 0x22) return false;
    const end = endOfString(text, i);
    const raw = text.slice(i + 1, end - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
    i = end;
    skipSpace();
    i++; // the colon
    skipSpace();
    frames[frames.length - 1]!.at = key;
    if (keys.has(key)) {
      const start = i;
      i = endOfValue(text, i);
      const path = frames.map((frame) => frame.at);
      spans.set(JSON.stringify(path), { path, start, end: i });
      expectValue = false;
    } else expectValue = true;
    return true;
  }
};

const valueAt = (root: unknown, path: readonly Segment[]): unknown => {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (Array.isArray(current)) {
      if (typeof segment !== 'number' || segment >= current.length) return undefined;
      current = current[segment];
    } else {
      // Own properties only: JSON.parse makes `__proto__` an own data property, which this reads.
      if (typeof segment !== 'string' || !Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
};

/**
 * JSON.parse, plus: every object or array under a free-form key remembers its exact source text
 * (`exactJsonOf`). Throws SyntaxError like JSON.parse.
 */
export const parseBody = (text: string): unknown => {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) return value;
  for (const span of freeFormSpans(text)) {
    const found = valueAt(value, span.path);
    if (typeof found === 'object' && found !== null) texts.set(found, text.slice(span.start, span.end));
  }
  return value;
};

type RawJson = (text: string) => unknown;
const rawJson = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;

/** A parsed number that a JS number cannot hold exactly: beyond ±2^53 as an integer, or not finite. */
const inexact = (value: number): boolean =>
  !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value));

/**
 * Parses stored free-form text back into a value. Numbers a JS number cannot hold exactly come back
 * as `JSON.rawJSON(<source digits>)`, so `JSON.stringify` (the CLI's `--json`) prints the sender's
 * digits. The reviver recurses, so beyond a few thousand levels this falls back to a plain parse
 * (values intact, big numbers approximate).
 */
export const parseExactJson = (text: string): unknown => {
  if (rawJson === undefined) return JSON.parse(text);
  try {
    return JSON.parse(text, function (
      this: unknown,
      _key: string,
      value: unknown,
      context?: { source?: string },
    ) {
      return typeof value === 'number' && inexact(value) && context?.source !== undefined
        ? rawJson(context.source)
        : value;
    } as (key: string, value: unknown) => unknown);
  } catch (error) {
    if (error instanceof RangeError) return JSON.parse(text);
    throw error;
  }
};
