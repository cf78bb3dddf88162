import type { RouteName } from '#contracts/routes.ts';
import { type LambdaSpec, pascalCase } from './functions.ts';

/** CloudFormation logical ids and intrinsic helpers shared by the infra/serverless modules. */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation fragments are free-form JSON.
export type Cfn = any;
export type CfnResources = Record<string, Cfn>;

export const tableLogicalId = 'Table';
export const alarmTopicLogicalId = 'AlarmTopic';
/** Created by the framework for `httpApi` events. */
export const httpApiLogicalId = 'HttpApi';

export const queueLogicalId = (route: RouteName): string => `Queue${pascalCase(route)}`;
export const deadLetterQueueLogicalId = (route: RouteName): string => `DeadLetterQueue${pascalCase(route)}`;
export const roleLogicalId = (spec: LambdaSpec): string => `${pascalCase(spec.key)}Role`;
/** The framework's own logical id for a function (`ingest` → `IngestLambdaFunction`). */
export const functionLogicalId = (spec: LambdaSpec): string => `${pascalCase(spec.key)}LambdaFunction`;

export const ref = (logicalId: string): Cfn => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string): Cfn => ({
  'Fn::GetAtt': [logicalId, attribute],
});
export const sub = (template: string): Cfn => ({ 'Fn::Sub': template });
