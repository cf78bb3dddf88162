// Shim for lib/cli/* (moving to cli/ with the `edges` work); new code imports lib/contracts/naming.ts.
export * from '../lib/contracts/naming.ts';
