/**
 * A checker for CloudWatch Metrics Insights queries, written from AWS's documented grammar
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html):
 *
 *   SELECT FUNCTION(metricName)
 *   FROM namespace | SCHEMA(namespace [, labelKey [, ...]])
 *   [ WHERE labelKey OPERATOR labelValue [AND ...] ]
 *   [ GROUP BY labelKey [, ...] ]
 *   [ ORDER BY FUNCTION() [DESC | ASC] ]
 *   [ LIMIT number ]
 *
 * FUNCTION is one of AVG, COUNT, MAX, MIN, SUM, and there is exactly one per query: the SELECT
 * list holds one aggregate of one metric, nothing else (so `SUM(a) + SUM(b)` is not a query).
 * Keywords are case-insensitive; identifiers (metric, namespace, label keys) are case-sensitive and
 * need double quotes when they hold anything but letters, digits and underscores; label values are
 * single-quoted strings. This checker accepts a conservative subset: operators `=` and `!=` joined
 * by AND (what the syntax line documents), so anything it accepts is valid, and anything outside
 * the subset is rejected rather than guessed at.
 */

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'quoted'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'symbol'; text: string };

export class MetricsInsightsSyntaxError extends Error {}

const tokenize = (query: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  const quotedUntil = (quote: string): string => {
    let text = '';
    i++;
    while (i < query.length && query[i] !== quote) {
      if (query[i] === '\\' && i + 1 < query.length) i++;
      text += query[i];
      i++;
    }
    if (i >= query.length) throw new MetricsInsightsSyntaxError(`unterminated ${quote} quote`);
    i++;
    return text;
  };
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '"') tokens.push({ kind: 'quoted', text: quotedUntil('"') });
    else if (c === "'") tokens.push({ kind: 'string', text: quotedUntil("'") });
    else if (query.startsWith('!=', i)) {
      tokens.push({ kind: 'symbol', text: '!=' });
      i += 2;
    } else if ('(),=*'.includes(c)) {
      tokens.push({ kind: 'symbol', text: c });
      i++;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+/.exec(query.slice(i))![0];
      tokens.push({ kind: 'number', text: match });
      i += match.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z0-9_]+/.exec(query.slice(i))![0];
      tokens.push({ kind: 'word', text: match });
      i += match.length;
    } else throw new MetricsInsightsSyntaxError(`unexpected character ${JSON.stringify(c)} at ${i}`);
  }
  return tokens;
};

const FUNCTIONS = ['AVG', 'COUNT', 'MAX', 'MIN', 'SUM'];
const KEYWORDS = [
  'SELECT',
  'FROM',
  'SCHEMA',
  'WHERE',
  'AND',
  'OR',
  'GROUP',
  'BY',
  'ORDER',
  'LIMIT',
  'ASC',
  'DESC',
];

export interface MetricsInsightsQuery {
  aggregate: string;
  metric: string;
  namespace: string;
  schemaKeys?: string[];
  where: { key: string; operator: '=' | '!='; value: string }[];
  groupBy: string[];
  orderBy?: { aggregate: string; direction: 'ASC' | 'DESC' };
  limit?: number;
}

/** Parses a query or throws MetricsInsightsSyntaxError saying what is wrong and where. */
export const parseMetricsInsights = (query: string): MetricsInsightsQuery => {
  const tokens = tokenize(query);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const describe = (token: Token | undefined): string =>
    token === undefined ? 'end of query' : JSON.stringify(token.text);
  const fail = (expected: string): never => {
    throw new MetricsInsightsSyntaxError(`expected ${expected}, found ${describe(peek())} (token ${at})`);
  };
  const isKeyword = (token: Token | undefined, keyword: string): boolean =>
    token?.kind === 'word' && token.text.toUpperCase() === keyword;
  const keyword = (word: string): void => {
    if (!isKeyword(peek(), word)) fail(word);
    at++;
  };
  const symbol = (text: string): void => {
    const token = peek();
    if (token?.kind !== 'symbol' || token.text !== text) fail(`"${text}"`);
    at++;
  };
  const identifier = (what: string): string => {
    const token = peek();
    if (token?.kind === 'quoted') {
      at++;
      return token.text;
    }
    if (token?.kind === 'word' && !KEYWORDS.includes(token.text.toUpperCase())) {
      at++;
      return token.text;
    }
    return fail(what);
  };
  const aggregate = (): string => {
    const token = peek();
    if (token?.kind !== 'word' || !FUNCTIONS.includes(token.text.toUpperCase()))
      fail(`one of ${FUNCTIONS.join(', ')}`);
    at++;
    return token!.text.toUpperCase();
  };

  keyword('SELECT');
  const selected = aggregate();
  symbol('(');
  const metric = identifier('a metric name');
  symbol(')');
  keyword('FROM');
  let namespace: string;
  let schemaKeys: string[] | undefined;
  if (isKeyword(peek(), 'SCHEMA')) {
    at++;
    symbol('(');
    namespace = identifier('a namespace');
    schemaKeys = [];
    while (peek()?.text === ',') {
      at++;
      schemaKeys.push(identifier('a label key'));
    }
    symbol(')');
  } else namespace = identifier('a namespace or SCHEMA(...)');

  const where: MetricsInsightsQuery['where'] = [];
  if (isKeyword(peek(), 'WHERE')) {
    at++;
    do {
      const key = identifier('a label key');
      const operator = peek();
      if (operator?.kind !== 'symbol' || (operator.text !== '=' && operator.text !== '!=')) fail('= or !=');
      at++;
      const value = peek();
      if (value?.kind !== 'string') fail("a 'single-quoted' label value");
      at++;
      where.push({ key, operator: operator!.text as '=' | '!=', value: value!.text });
    } while (isKeyword(peek(), 'AND') && ++at);
  }

  const groupBy: string[] = [];
  if (isKeyword(peek(), 'GROUP')) {
    at++;
    keyword('BY');
    groupBy.push(identifier('a label key'));
    while (peek()?.text === ',') {
      at++;
      groupBy.push(identifier('a label key'));
    }
  }

  let orderBy: MetricsInsightsQuery['orderBy'];
  if (isKeyword(peek(), 'ORDER')) {
    at++;
    keyword('BY');
    const ordered = aggregate();
    symbol('(');
    symbol(')');
    let direction: 'ASC' | 'DESC' = 'ASC';
    if (isKeyword(peek(), 'ASC') || isKeyword(peek(), 'DESC')) {
      direction = peek()!.text.toUpperCase() as 'ASC' | 'DESC';
      at++;
    }
    orderBy = { aggregate: ordered, direction };
  }

  let limit: number | undefined;
  if (isKeyword(peek(), 'LIMIT')) {
    at++;
    const token = peek();
    if (token?.kind !== 'number') fail('a number');
    at++;
    limit = Number(token!.text);
  }

  if (at !== tokens.length) fail('end of query');
  return {
    aggregate: selected,
    metric,
    namespace,
    ...(schemaKeys === undefined ? {} : { schemaKeys }),
    where,
    groupBy,
    ...(orderBy === undefined ? {} : { orderBy }),
    ...(limit === undefined ? {} : { limit }),
  };
};

/** True when an alarm/dashboard `Expression` is a Metrics Insights query rather than metric math. */
export const isMetricsInsights = (expression: string): boolean => /^\s*SELECT\b/i.test(expression);
