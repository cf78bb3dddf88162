import { isDeepStrictEqual } from 'node:util';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

export interface Comparison {
  /** Leaf paths compared (both sides carried the fact). */
  compared: string[];
  /** Leaf paths where both sides carried a value and they differ. */
  diffs: string[];
}

/**
 * Compare two normalised outputs on the facts both carry: object keys present on both sides, array
 * items by position (changed_attributes by attribute name), leaves compared when both are non-null or
 * both are null. A value present on one side only (the doc shape simply lacks most real fields) is skipped.
 */
export const compareCommon = (
  a: unknown,
  b: unknown,
  path = '',
  out: Comparison = { compared: [], diffs: [] },
) => {
  if ((a === null) !== (b === null) || a === undefined || b === undefined) return out;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.every((x) => isObj(x) && typeof x.attribute === 'string') && b.every((x) => isObj(x))) {
      for (const x of a as Obj[]) {
        const y = (b as Obj[]).find((z) => z.attribute === x.attribute);
        if (y) compareCommon(x, y, `${path}{${String(x.attribute)}}`, out);
      }
      return out;
    }
    if (a.length === 0 || b.length === 0) return out;
    if (a.length !== b.length) out.diffs.push(`${path}: ${a.length} items vs ${b.length}`);
    else for (const [i, x] of a.entries()) compareCommon(x, b[i], `${path}[${i}]`, out);
    return out;
  }
  if (isObj(a) && isObj(b)) {
    for (const key of Object.keys(a))
      if (key in b) compareCommon(a[key], b[key], path ? `${path}.${key}` : key, out);
    return out;
  }
  out.compared.push(path);
  if (!isDeepStrictEqual(a, b)) out.diffs.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  return out;
};

/** Read `a.b[0].c` from a value. */
export const at = (value: unknown, path: string): unknown =>
  path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((v, key) => (v === null || typeof v !== 'object' ? undefined : (v as Obj)[key]), value);

/** Every path (objects and arrays, depth-first) inside a JSON value, for mutation tests. */
export const pathsOf = (value: unknown, prefix: string[] = [], out: string[][] = []): string[][] => {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, key];
      out.push(path);
      pathsOf(child, path, out);
    }
  }
  return out;
};

/** A deep copy of `value` with the item at `path` replaced (or deleted when `replacement` is undefined). */
export const mutate = (value: unknown, path: string[], replacement: unknown): unknown => {
  const copy = structuredClone(value) as Obj;
  let node: Obj = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Obj;
  const last = path[path.length - 1]!;
  if (replacement === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
};
