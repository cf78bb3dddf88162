import { accountIdOfPayload } from '#lib/events/account.ts';
import { keyPredicates } from '#lib/schemas/key-specs.ts';
import type { PayloadChecks } from './steps/route.ts';

/**
 * The event registry behind the ingest's PayloadChecks seam. The hot path runs only the compiled
 * key predicates; the registry with its valibot schemas is loaded on the first misfit, to say
 * readably why, so it stays off the ingest's cold start.
 */
export const payloadChecks: PayloadChecks = {
  keysFit: (event, payload) => keyPredicates[event](payload),
  describeMisfit: async (event, payload) => {
    const { checkKeys, formatIssues } = await import('#lib/events/registry.ts');
    const result = checkKeys(event, payload);
    return result.ok ? '[]' : formatIssues(result.issues);
  },
  accountIdOf: (payload) => accountIdOfPayload(payload),
};
