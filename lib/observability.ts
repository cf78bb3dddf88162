import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from './contracts/env.ts';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from './contracts/metrics.ts';

/**
 * The one Logger and the one Metrics of every function, configured here and imported everywhere.
 * Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE
 * (set in serverless.yml). Logs carry ids, never message contents.
 */
const serviceName = process.env[POWERTOOLS_SERVICE_NAME] ?? DEFAULT_SERVICE_NAME;
const metricsNamespace = process.env[POWERTOOLS_METRICS_NAMESPACE] ?? DEFAULT_METRICS_NAMESPACE;

export const logger = new Logger({ serviceName });

export const metrics = new Metrics({ namespace: metricsNamespace, serviceName });

/**
 * Whether INFO lines print, decided once at start-up (the level comes from the environment). Hot
 * paths check it before building a line: the Logger does work even for lines it then drops.
 */
export const infoLogsEnabled = ['TRACE', 'DEBUG', 'INFO'].includes(logger.getLevelName());

/**
 * Wraps a handler the way Powertools' `injectLambdaContext` does, without middy or a class
 * decorator: `logger.addContext(context)` puts `function_request_id`, `cold_start`,
 * `function_name`, `function_arn` and `function_memory_size` on every log line of the invocation
 * (https://docs.aws.amazon.com/powertools/typescript/latest/features/logger/#capturing-lambda-context-info).
 * An error that escapes the handler is logged with its message and stack (the Logger formats an
 * Error argument as `error: {name, message, stack, location}`) and rethrown, so Lambda still
 * counts the invocation as failed. Unit tests that call a handler without a context still work.
 */
export const withLambdaContext =
  <E, R>(handler: (event: E, context: Context) => Promise<R>) =>
  async (event: E, context?: Context): Promise<R> => {
    if (context !== undefined) {
      logger.addContext(context);
      invocation.requestId = context.awsRequestId;
      invocation.coldStart = invocation.invocations === 0;
      invocation.invocations += 1;
    }
    try {
      return await handler(event, context as Context);
    } catch (error) {
      logger.error('handler failed unexpectedly', error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  };

/** The invocation the request line belongs to (set by `withLambdaContext`). */
const invocation = { requestId: undefined as string | undefined, coldStart: true, invocations: 0 };

/** Powertools' switch (POWERTOOLS_METRICS_DISABLED), read once like the level. */
const metricsEnabled = !['true', '1'].includes((process.env.POWERTOOLS_METRICS_DISABLED ?? '').toLowerCase());

export interface RequestMetric {
  name: string;
  /** The dimensions besides `service` (their values are fields of the line). */
  dimensions: readonly string[];
}

/**
 * One JSON line per request that is both the access log line (at INFO) and the CloudWatch Embedded
 * Metric Format record: EMF is a structured log line whose `_aws` member names the metrics among
 * its fields (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
 * and every other field is kept as a log field. One `JSON.stringify` and one write replace a
 * Powertools Logger line plus a Powertools Metrics flush, which cost the ingest about twice its
 * budget in CPU (bench (b), "as deployed"). Same namespace, `service` dimension and values as the
 * Metrics instance, so alarms and dashboards read it unchanged. Writes nothing when INFO logs and
 * metrics are both off; with logs at WARN, or without a message, it is the metric record only.
 * Returns whether the line carried the access log (at INFO).
 */
/** The `CloudWatchMetrics` directive of a metric set, as JSON text: built once per set. */
const directives = new Map<string, string>();
const directiveOf = (requestMetrics: readonly RequestMetric[]): string => {
  const key = requestMetrics.map((metric) => `${metric.name}:${metric.dimensions.join(',')}`).join(';');
  let text = directives.get(key);
  if (text === undefined) {
    text = JSON.stringify(
      requestMetrics.map((metric) => ({
        Namespace: metricsNamespace,
        Dimensions: [['service', ...metric.dimensions]],
        Metrics: [{ Name: metric.name, Unit: 'Count' }],
      })),
    );
    directives.set(key, text);
  }
  return text;
};

const serviceField = `"service":${JSON.stringify(serviceName)}`;

export const writeRequestLine = (
  /** The access log message; without it the line is the metric record only. */
  message: string | undefined,
  fields: Record<string, unknown>,
  requestMetrics: readonly RequestMetric[],
): boolean => {
  const access = message !== undefined && infoLogsEnabled;
  const emf = metricsEnabled && requestMetrics.length > 0;
  if (!access && !emf) return false;
  const now = Date.now();
  const trace = traceId?.();
  // Built as text: the fixed parts are constants, the fields one JSON.stringify (no object copies).
  let line = access
    ? `{"level":"INFO","message":${JSON.stringify(message)},"timestamp":"${new Date(now).toISOString()}",${serviceField},"cold_start":${invocation.coldStart}${
        invocation.requestId === undefined
          ? ''
          : `,"function_request_id":${JSON.stringify(invocation.requestId)}`
      }${trace === undefined ? '' : `,"xray_trace_id":${JSON.stringify(trace)}`}`
    : `{${serviceField}`;
  const rest = JSON.stringify(fields);
  if (rest.length > 2) line += `,${rest.slice(1, -1)}`;
  if (emf) {
    line += `,"_aws":{"Timestamp":${now},"CloudWatchMetrics":${directiveOf(requestMetrics)}}`;
    for (const metric of requestMetrics) line += `,${JSON.stringify(metric.name)}:1`;
  }
  process.stdout.write(`${line}}\n`);
  return access;
};

/** Lambda sets `_X_AMZN_TRACE_ID` per invocation when tracing is active. */
const traceId: (() => string | undefined) | undefined =
  process.env.AWS_LAMBDA_FUNCTION_NAME === undefined ? undefined : () => process.env._X_AMZN_TRACE_ID;
