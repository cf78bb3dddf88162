import { type CommandSpec, GLOBAL_HELP, globalOptions } from './args.ts';
import { commands } from './registry.ts';

/** `mhub --help`, `mhub <command> --help`, and the did-you-mean for a mistyped command or option. */

export const usage = (): string => {
  const lines = ['usage: mhub <command> [options]', ''];
  for (const spec of Object.values(commands)) {
    lines.push(`  ${spec.usage[0]}`);
    for (const more of spec.usage.slice(1)) lines.push(`  ${more}`);
    lines.push(`      ${spec.summary}`);
  }
  lines.push(
    '',
    GLOBAL_HELP,
    '',
    '  --version              the version',
    '',
    'See docs/cli.md for details.',
    '',
  );
  return lines.join('\n');
};

export const commandHelp = (name: string, spec: CommandSpec): string => {
  const own = Object.entries(spec.options)
    .map(([option, def]) => `--${option}${def.type === 'string' ? ' <value>' : ''}`)
    .join(' ');
  return [
    `usage: ${spec.usage.map((line) => `mhub ${line}`).join('\n       ')}`,
    '',
    `${spec.summary}`,
    ...(spec.details === undefined ? [] : ['', spec.details]),
    ...(own === '' ? [] : ['', `options of ${name}: ${own}`]),
    '',
    GLOBAL_HELP,
    '',
  ].join('\n');
};

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
};

/** The closest known name, when it is close enough to be a typo. */
export const didYouMean = (wrong: string, known: readonly string[]): string | undefined => {
  const ranked = known
    .map((name) => ({ name, score: distance(wrong.toLowerCase(), name) }))
    .sort((a, b) => a.score - b.score);
  const best = ranked[0];
  if (best === undefined) return undefined;
  return best.score <= Math.max(1, Math.floor(best.name.length / 3)) || best.name.startsWith(wrong)
    ? best.name
    : undefined;
};

export const parseError = (error: unknown, name: string, spec: CommandSpec): string | undefined => {
  const code = (error as { code?: string }).code;
  if (code?.startsWith('ERR_PARSE_ARGS') !== true) return undefined;
  const message = ((error as Error).message.split('. ')[0] ?? '').replace(/\.$/, '');
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (unknown !== undefined) {
    const options = Object.keys({ ...globalOptions, ...spec.options });
    const guess = didYouMean(unknown.replace(/^-+/, ''), options);
    return `unknown option ${unknown} for ${name}${guess === undefined ? '' : `: did you mean --${guess}?`} (see mhub ${name} --help)`;
  }
  return `${message} (see mhub ${name} --help)`;
};
