/** The CLI's output streams, injectable so tests run commands in-process and read what they print. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Progress bars render only on an interactive stderr. */
  stderrIsTTY: boolean;
  /** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
  color: boolean;
  env: NodeJS.ProcessEnv;
  /** Resolves after `ms`, or early when the user interrupts (Ctrl-C) a long-running command. */
  sleep(ms: number): Promise<void>;
  /** True once the user asked a long-running command (tail) to stop. */
  interrupted(): boolean;
  /** Asks a yes/no question on the terminal; false when stdin is not one. */
  confirm(question: string): Promise<boolean>;
}

export const colorWanted = (isTTY: boolean, env: NodeJS.ProcessEnv): boolean =>
  isTTY && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';

let stopRequested = false;
const wakers = new Set<() => void>();

const sleepUnlessInterrupted = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    if (stopRequested) return resolve();
    const wake = (): void => {
      clearTimeout(timer);
      wakers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    wakers.add(wake);
  });

/**
 * The real terminal. A closed stdout (`mhub … | head -3`) ends the command quietly, as Unix tools
 * do, instead of an EPIPE stack trace.
 */
export const processIo = (): Io => {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    out: (text) => {
      process.stdout.write(text);
    },
    err: (text) => {
      process.stderr.write(text);
    },
    stderrIsTTY: process.stderr.isTTY === true,
    color: colorWanted(process.stdout.isTTY === true, process.env),
    env: process.env,
    sleep: (ms) => {
      if (process.listenerCount('SIGINT') === 0)
        process.once('SIGINT', () => {
          stopRequested = true;
          for (const wake of [...wakers]) wake();
        });
      return sleepUnlessInterrupted(ms);
    },
    interrupted: () => stopRequested,
    confirm: async (question) => {
      if (process.stdin.isTTY !== true) return false;
      const { createInterface } = await import('node:readline/promises');
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
      } finally {
        prompt.close();
      }
    },
  };
};

/** Collects output in memory (tests). */
export const memoryIo = (
  env: NodeJS.ProcessEnv = process.env,
  options: { answer?: boolean; stopAfterMs?: number } = {},
): Io & { stdout: string; stderr: string; questions: string[] } => {
  const startedAt = Date.now();
  const io = {
    stdout: '',
    stderr: '',
    questions: [] as string[],
    stderrIsTTY: false,
    color: false,
    env,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    interrupted: () => options.stopAfterMs !== undefined && Date.now() - startedAt >= options.stopAfterMs,
    confirm: async (question: string) => {
      io.questions.push(question);
      return options.answer ?? false;
    },
    out: (text: string) => {
      io.stdout += text;
    },
    err: (text: string) => {
      io.stderr += text;
    },
  };
  return io;
};

export const printJson = (io: Io, value: unknown): void => io.out(`${JSON.stringify(value, null, 2)}\n`);

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value.replace(/\s+/g, ' ');
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
  /** Longer cells are cut with an ellipsis. */
  max?: number;
}

/** A plain aligned text table, for humans. */
export const table = <Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string => {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const text = cell(column.value(row));
      const max = column.max ?? 60;
      return text.length > max ? `${text.slice(0, max - 1)}…` : text;
    }),
  );
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((row) => (row[index] ?? '').length)),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((value, index) => (index === values.length - 1 ? value : value.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((column) => column.header)), ...cells.map(line)].join('\n')}\n`;
};

/** A list as JSON for scripts, else a table for humans, or `empty` when there is nothing to show. */
export const printRows = <Row>(
  io: Io,
  rows: readonly Row[],
  options: { json: boolean; empty: string; columns: readonly Column<Row>[] },
): void => {
  if (options.json) printJson(io, rows);
  else io.out(rows.length === 0 ? `${options.empty}\n` : table(rows, options.columns));
};

/** `key  value` lines, for one record. */
export const keyValues = (entries: readonly [string, unknown][]): string => {
  const width = Math.max(...entries.map(([key]) => key.length));
  return `${entries.map(([key, value]) => `${key.padEnd(width)}  ${cell(value)}`).join('\n')}\n`;
};

export interface Progress {
  tick(count?: number): void;
  /** Raises the expected total (it is only an estimate for queues). */
  grow(total: number): void;
  done(): void;
}

/** A progress bar on stderr, drawn only when stderr is a terminal. */
export const progress = (io: Io, label: string, total: number): Progress => {
  let done = 0;
  let expected = total;
  let lastDraw = 0;
  const draw = (force = false): void => {
    if (!io.stderrIsTTY) return;
    const now = Date.now();
    if (!force && now - lastDraw < 80) return;
    lastDraw = now;
    const ratio = expected > 0 ? Math.min(1, done / expected) : 0;
    const width = 30;
    const filled = Math.round(ratio * width);
    io.err(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${expected}`);
  };
  return {
    tick: (count = 1) => {
      done += count;
      if (done > expected) expected = done;
      draw();
    },
    grow: (next) => {
      expected = Math.max(expected, next);
      draw();
    },
    done: () => {
      draw(true);
      if (io.stderrIsTTY) io.err('\n');
    },
  };
};

const COLORS = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

/** Wraps text in an ANSI colour when the output wants colour. */
export const paint = (io: Io, color: keyof typeof COLORS, text: string): string =>
  io.color ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;

/** The colour of an outcome or verdict word. */
export const outcomeColor = (outcome: string | null | undefined): keyof typeof COLORS =>
  outcome === 'handled' || outcome === 'accepted' || outcome === 'ok'
    ? 'green'
    : outcome === 'quarantined' || outcome === 'fail' || outcome === 'error'
      ? 'red'
      : 'yellow';
