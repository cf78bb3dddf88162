import { readFileSync } from 'node:fs';
import { repoRoot } from '#infra/local/state.ts';
import { CliError, networkCode } from './errors.ts';
import type { Io } from './io.ts';
import { NOT_RUNNING, resolveTarget, type Target } from './target.ts';

/** What every command shares: its spec shape, the global options, argument parsers and the target. */

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
export type Values = Record<string, string | boolean | undefined>;

export interface CommandSpec {
  /** `send <file> --source <name> [--secret <s>]`. */
  usage: string[];
  summary: string;
  /** Extra lines for `mhub <command> --help`. */
  details?: string;
  options: OptionSpec;
  run(values: Values, positionals: string[], io: Io): Promise<number>;
}

export const globalOptions = {
  json: { type: 'boolean' },
  stage: { type: 'string' },
  region: { type: 'string' },
  port: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const GLOBAL_HELP = `options for every command:
  --json                 machine-readable output
  --port <n>             the local stack on this port (when several run; default: the only one)
  --stage <name>         a deployed stage instead of the local stack (AWS credential chain)
  --region <region>      the stage's region (default AWS_REGION)
  -h, --help             help (mhub <command> --help for one command)
  MHUB_DATA_DIR          where the local stacks' state files are (default .data/ of this checkout)`;

export const version = (): string =>
  (JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8')) as { version: string }).version;

// ---- argument helpers ------------------------------------------------------------------------

export const wholeNumber = (name: string, value: string | undefined, min = 1): number => {
  if (
    value === undefined ||
    !/^[0-9]+$/.test(value) ||
    Number(value) < min ||
    !Number.isSafeInteger(Number(value))
  )
    throw new CliError(
      `${name} must be a ${min === 0 ? 'whole number (0 or more)' : 'positive whole number'}, got ${value ?? 'nothing'}`,
    );
  return Number(value);
};
/** Account ids: 0 holds the events whose account could not be told (docs/data-model.md). */
export const accountId = (name: string, value: string | undefined): number => wholeNumber(name, value, 0);

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const durationMs = (name: string, value: string): number => {
  const match = DURATION.exec(value.trim());
  if (match === null)
    throw new CliError(`${name} must be a duration such as 30s, 5m, 2h or 1d, got ${value}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
};

/** `--since`: an ISO-8601 time, or a duration back from now (`5m`, `2h`, `1d`). */
export const sinceTime = (
  name: string,
  value: string | undefined,
  now: Date = new Date(),
): string | undefined => {
  if (value === undefined) return undefined;
  if (DURATION.test(value.trim())) return new Date(now.getTime() - durationMs(name, value)).toISOString();
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new CliError(
      `${name} must be an ISO-8601 time such as 2026-03-02T09:00:00Z or a duration such as 5m, got ${value}`,
    );
  return new Date(parsed).toISOString();
};

export const expectPositionals = (spec: CommandSpec, positionals: string[], count: number): string[] => {
  if (positionals.length !== count)
    throw new CliError(
      `usage: mhub ${spec.usage[0]}${positionals.length > count ? ` (unexpected ${positionals.slice(count).join(' ')})` : ''}`,
    );
  return positionals;
};

export const str = (values: Values, name: string): string | undefined => values[name] as string | undefined;

export const targetOptions = (values: Values) => ({
  stage: str(values, 'stage'),
  region: str(values, 'region'),
  port: str(values, 'port') === undefined ? undefined : wholeNumber('--port', str(values, 'port')),
});

/** Runs `run` against the local stack or the stage, closing the clients after. */
export const withTarget = async <T>(
  values: Values,
  io: Io,
  run: (target: Target) => Promise<T>,
): Promise<T> => {
  const target = resolveTarget({ ...targetOptions(values), env: io.env });
  try {
    return await run(target);
  } catch (error) {
    const code = networkCode(error);
    if (target.mode === 'local' && code === 'ECONNREFUSED')
      throw new CliError(
        `the local stack's emulators refused the connection (ECONNREFUSED): is the stack running? ${NOT_RUNNING}`,
      );
    throw error;
  } finally {
    target.close();
  }
};

export const json = (values: Values): boolean => values.json === true;
