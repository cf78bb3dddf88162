// Shim for lib/cli/*, infra/local/* and scripts/bench/e2e.ts (moving with the `edges` work); new code
// imports lib/contracts/routes.ts. Delete once those import it directly.
export * from '../contracts/routes.ts';
