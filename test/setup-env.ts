// Unit tests import handlers whose configuration is read at module scope; give them harmless values.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'MessageHubWebhooks';
process.env.POWERTOOLS_SERVICE_NAME ??= 'messagehub-webhooks';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
