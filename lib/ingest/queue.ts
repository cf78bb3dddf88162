// Shim for lib/cli/commands/{dlq,replay}.ts (moving to cli/ with the `edges` work); new code imports
// lib/delivery/send.ts. Delete once those import it directly.
export * from '../delivery/send.ts';
