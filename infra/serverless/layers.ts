/**
 * The AWS Parameters and Secrets Lambda Extension (arm64) per region: the ingest reads its webhook
 * secrets through it on localhost:2773, cached, instead of bundling an SSM client. These are AWS's
 * published layer ARNs (as listed in the AWS CDK region facts, extension 1.0.103); a newer version or
 * another region can be set with `--param="parametersSecretsExtensionLayerArn=arn:…"`.
 */
const arm64LayerByRegion: Record<string, string> = {
  'af-south-1':
    'arn:aws:lambda:af-south-1:317013901791:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'ap-east-1':
    'arn:aws:lambda:ap-east-1:768336418462:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'ap-northeast-1':
    'arn:aws:lambda:ap-northeast-1:133490724326:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
  'ap-northeast-2':
    'arn:aws:lambda:ap-northeast-2:738900069198:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'ap-south-1':
    'arn:aws:lambda:ap-south-1:176022468876:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
  'ap-southeast-1':
    'arn:aws:lambda:ap-southeast-1:044395824272:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
  'ap-southeast-2':
    'arn:aws:lambda:ap-southeast-2:665172237481:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
  'ap-southeast-3':
    'arn:aws:lambda:ap-southeast-3:490737872127:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'ca-central-1':
    'arn:aws:lambda:ca-central-1:200266452380:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'eu-central-1':
    'arn:aws:lambda:eu-central-1:187925254637:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
  'eu-north-1':
    'arn:aws:lambda:eu-north-1:427196147048:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'eu-south-1':
    'arn:aws:lambda:eu-south-1:325218067255:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'eu-west-1':
    'arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
  'eu-west-2':
    'arn:aws:lambda:eu-west-2:133256977650:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
  'eu-west-3':
    'arn:aws:lambda:eu-west-3:780235371811:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'me-south-1':
    'arn:aws:lambda:me-south-1:832021897121:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'sa-east-1':
    'arn:aws:lambda:sa-east-1:933737806257:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'us-east-1':
    'arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
  'us-east-2':
    'arn:aws:lambda:us-east-2:590474943231:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
  'us-west-1':
    'arn:aws:lambda:us-west-1:997803712105:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1',
  'us-west-2':
    'arn:aws:lambda:us-west-2:345057560386:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4',
};

/** The override when set, else the published ARN for the region; throws for a region with none. */
export const parametersSecretsExtensionLayerArn = (region: string, override: string): string => {
  if (override !== '') return override;
  const arn = arm64LayerByRegion[region];
  if (arn === undefined)
    throw new Error(
      `no AWS Parameters and Secrets Extension (arm64) layer known for ${region}: pass --param="parametersSecretsExtensionLayerArn=<arn>"`,
    );
  return arn;
};
