// Shim for lib/cli/commands/dlq.ts (moving to cli/ with the `edges` work); new code imports
// lib/delivery/retry.ts. Delete once it imports it directly.
export * from '../delivery/retry.ts';
