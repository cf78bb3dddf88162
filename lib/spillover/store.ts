// Shim for lib/cli/commands/status.ts (moving to cli/ with the `edges` work); new code imports
// lib/store/spillover.ts. Delete once it imports it directly.
export * from '../store/spillover.ts';
