import { type LocalStackOptions, startLocalStack } from '#infra/local/stack.ts';

/**
 * The proof suites' stack process: `startLocalStack`, the very function `npm start`
 * (scripts/start.ts) is a thin CLI over, with the options a suite needs (a fault proxy in front of
 * the handlers' endpoints, a short visibility timeout), read as JSON from PROOF_STACK_OPTIONS. It
 * prints one `PROOF_READY {...}` line when it serves, and stops like `npm start` on SIGTERM/SIGINT.
 * A suite talks to it only over HTTP and the emulators' wire APIs, and may SIGKILL it.
 */
const options = JSON.parse(process.env.PROOF_STACK_OPTIONS ?? '{}') as LocalStackOptions;
const stack = await startLocalStack({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(
  `PROOF_READY ${JSON.stringify({
    pid: process.pid,
    endpoint: stack.endpoint,
    dynamoPid: stack.dynamoPid,
    dynamoEndpoint: stack.dynamoEndpoint,
    sqsEndpoint: stack.sqsEndpoint,
    tableName: stack.tableName,
    queueUrlPrefix: stack.queueUrlPrefix,
    queues: stack.queues,
    sources: stack.sources,
  })}\n`,
);
let stopping = false;
const shutdown = (): void => {
  if (stopping) process.exit(130);
  stopping = true;
  void stack.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
