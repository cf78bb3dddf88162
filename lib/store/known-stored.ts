import type { Key } from './keys.ts';

/**
 * What this container has seen stored, so it can skip writes that cannot win (a skipped write is a
 * write unit saved: on AWS a write whose condition fails still costs units, docs in write.ts).
 *
 * Safe because every guarded attribute only moves one way: a version (`v`, `cv`, `sv`) only grows,
 * a status change's `event_id` only shrinks, an append-only item only exists. So once a write of
 * value X landed or failed its condition, the stored value is at least as good as X for ever, and a
 * later write the guard would refuse against X is refused against the table too. Only outcomes
 * DynamoDB confirmed are recorded (landed, or ConditionalCheckFailed), never an error whose outcome
 * is unknown. Keyed by table, so a test's fresh table starts empty. Bounded; oldest forgotten first.
 */
export interface Guard {
  /** The guarded attribute (`v`, `cv`, `sv`, `event_id`; `pk` for "the item exists"). */
  attribute: string;
  /** This write's value of it ('' with `exists`). */
  value: string;
  /** Which values beat the stored one: `higher` (versions), `lower` (smallest event id wins), `exists` (written once). */
  wins: 'higher' | 'lower' | 'exists';
}

export interface KnownStored {
  /** True when the table is known to hold a value this write's guard refuses. */
  refuses(tableName: string, key: Key, guard: Guard): boolean;
  /** After a landed write or a failed condition: the stored value is at least as good as `guard.value`. */
  record(tableName: string, key: Key, guard: Guard): void;
}

const MAX_ENTRIES = 20_000;

export const knownStored = (maxEntries = MAX_ENTRIES): KnownStored => {
  const best = new Map<string, string>();
  const id = (tableName: string, key: Key, guard: Guard) =>
    `${tableName}\u0000${key.pk}\u0000${key.sk}\u0000${guard.attribute}`;
  return {
    refuses(tableName, key, guard) {
      const known = best.get(id(tableName, key, guard));
      if (known === undefined) return false;
      if (guard.wins === 'exists') return true;
      return guard.wins === 'higher' ? guard.value <= known : guard.value >= known;
    },
    record(tableName, key, guard) {
      const entry = id(tableName, key, guard);
      const known = best.get(entry);
      const better =
        known === undefined ||
        (guard.wins === 'higher' && guard.value > known) ||
        (guard.wins === 'lower' && guard.value < known);
      if (!better) return;
      best.delete(entry);
      best.set(entry, guard.value);
      if (best.size > maxEntries) best.delete(best.keys().next().value as string);
    },
  };
};
