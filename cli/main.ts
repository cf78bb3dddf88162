import { parseArgs } from 'node:util';
import { globalOptions, type Values, version } from './args.ts';
import { oneLine } from './errors.ts';
import { commandHelp, didYouMean, parseError, usage } from './help.ts';
import { type Io, processIo } from './io.ts';
import { commands } from './registry.ts';

/**
 * `mhub`: the operator's tool. Talks to the running local stack by default (`--port` when several
 * run), to a deployed stage with `--stage` / `--region` (standard AWS credential chain). Tables
 * for humans, `--json` for scripts; any error is one line on stderr, naming the fix, exit code 1.
 *
 * This module only dispatches: each command is in commands/ (registered in registry.ts), the
 * conversation and contact views in views/, the help text in help.ts.
 */

/** Runs one `mhub` invocation; returns the exit code. Never throws. */
export const main = async (argv: string[], io: Io = processIo()): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const spec = topic === undefined ? undefined : commands[topic];
    io.out(spec === undefined ? usage() : commandHelp(topic!, spec));
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`mhub ${version()}\n`);
    return 0;
  }
  const spec = commands[name];
  if (spec === undefined) {
    const guess = didYouMean(name, Object.keys(commands));
    io.err(
      `mhub: unknown command ${name}${guess === undefined ? '' : `: did you mean ${guess}?`} (see mhub --help)\n`,
    );
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(name, spec));
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...globalOptions, ...spec.options },
      allowPositionals: true,
      strict: true,
    });
    return await spec.run(values as Values, positionals, io);
  } catch (error) {
    io.err(`mhub: ${parseError(error, name, spec) ?? oneLine(error)}\n`);
    return 1;
  }
};
