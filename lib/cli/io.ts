/** The CLI's output streams, injectable so tests run commands in-process and read what they print. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Progress bars render only on an interactive stderr. */
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export const processIo = (): Io => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
});

/** Collects output in memory (tests). */
export const memoryIo = (env: NodeJS.ProcessEnv = process.env): Io & { stdout: string; stderr: string } => {
  const io = {
    stdout: '',
    stderr: '',
    stderrIsTTY: false,
    env,
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
