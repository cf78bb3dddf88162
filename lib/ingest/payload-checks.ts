import { accountIdOfPayload } from '../events/account.ts';
import { checkKeys, formatIssues } from '../events/registry.ts';
import type { PayloadChecks } from './handle-webhook.ts';

/** The event registry behind the ingest's PayloadChecks seam. */
export const payloadChecks: PayloadChecks = {
  check: (event, payload) => {
    const result = checkKeys(event, payload);
    return result.ok ? { ok: true } : { ok: false, issues: formatIssues(result.issues) };
  },
  accountIdOf: (payload) => accountIdOfPayload(payload),
};
