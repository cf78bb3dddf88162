import { handledEventNames, type RouteName, routeNames, routeOfEvent } from '#contracts/routes.ts';

/**
 * Every Lambda of the service, derived from the event catalog: the ingest, the spillover sweeper and
 * one worker per route. `scripts/build.ts` bundles exactly this list and `infra/serverless.ts` deploys
 * exactly this list, so adding an event to the catalog adds its bundle, function, queue, DLQ, event
 * source mapping and alarms with no hand edit.
 */
export type LambdaKind = 'ingest' | 'sweeper' | 'worker' | 'reconciler';

export interface LambdaSpec {
  kind: LambdaKind;
  /** serverless.yml function key (camelCase); also the stem of its CloudFormation logical ids. */
  key: string;
  /** Folder under `dist/` holding `index.mjs` (+ map); kebab-case. */
  bundle: string;
  /** Suffix of the deployed function name (`<service>-<stage>-<suffix>`). */
  nameSuffix: string;
  /**
   * TypeScript module, relative to the project root: it exports `handler`, or (workers) the handler
   * factories that `generatedEntry` calls.
   */
  entry: string;
  /**
   * Workers: the entry module the build bundles instead of `entry` (ES module source, imports relative
   * to the project root). Generated from the catalog: one per route, no file per route to copy.
   */
  generatedEntry?: string;
  /** Workers only: the route (queue) that feeds it. */
  route?: RouteName;
}

/** `conversation-status-changed` → `ConversationStatusChanged` (CloudFormation logical ids allow [A-Za-z0-9]). */
export const pascalCase = (kebab: string): string =>
  kebab
    .split(/[-_]/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

const WORKER_MODULE = 'functions/workers/handler.ts';

/** A route's worker entry: it imports only the factory the route needs, so the bundle tree-shakes the rest. */
export const workerEntrySource = (route: RouteName): string => {
  const call =
    route === 'archive'
      ? 'archiveWorkerHandler()'
      : route === 'quarantine'
        ? 'quarantineWorkerHandler()'
        : `eventWorkerHandler(${JSON.stringify(handledEventNames.find((event) => routeOfEvent(event) === route))})`;
  const factory = call.slice(0, call.indexOf('('));
  return `import { ${factory} } from './${WORKER_MODULE}';\nexport const handler = ${call};\n`;
};

export const workerSpec = (route: RouteName): LambdaSpec => ({
  kind: 'worker',
  key: `worker${pascalCase(route)}`,
  bundle: `worker-${route}`,
  nameSuffix: route,
  entry: WORKER_MODULE,
  generatedEntry: workerEntrySource(route),
  route,
});

export const ingestSpec: LambdaSpec = {
  kind: 'ingest',
  key: 'ingest',
  bundle: 'ingest',
  nameSuffix: 'ingest',
  entry: 'functions/ingest/handler.ts',
};

export const sweeperSpec: LambdaSpec = {
  kind: 'sweeper',
  key: 'spilloverSweeper',
  bundle: 'spillover-sweeper',
  nameSuffix: 'spillover-sweeper',
  entry: 'functions/spillover-sweeper/handler.ts',
};

/** The scheduled repair from the Chatwoot API (issue 12): deployed always, scheduled only when enabled. */
export const reconcilerSpec: LambdaSpec = {
  kind: 'reconciler',
  key: 'reconciler',
  bundle: 'reconciler',
  nameSuffix: 'reconciler',
  entry: 'functions/reconciler/handler.ts',
};

export const workerSpecs = (): LambdaSpec[] => routeNames.map(workerSpec);

/** All functions, ingest first. */
export const lambdaSpecs = (): LambdaSpec[] => [ingestSpec, sweeperSpec, ...workerSpecs(), reconcilerSpec];

/** Where the build puts a function's bundle, relative to the project root. */
export const bundleDirectory = (spec: LambdaSpec): string => `dist/${spec.bundle}`;
