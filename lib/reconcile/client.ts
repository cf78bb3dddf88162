import { AppError } from '#lib/errors.ts';
import { parseBody } from '#lib/schemas/exact-json.ts';
import type { ApiConfig } from './api-config.ts';

/**
 * A small client of Chatwoot's Application API (MessageHub is a white-labelled Chatwoot), for
 * backfill and repair. HTTP goes through an injected `fetch`, so lib/ never opens sockets itself
 * and tests point it at the double (test/doubles/chatwoot-api.ts).
 *
 * What it relies on in chatwoot/chatwoot:
 * - `GET /api/v1/accounts/{account}/conversations?status=all&sort_by=last_activity_at_desc&page=N`:
 *   ConversationFinder (app/finders/conversation_finder.rb) filters by status unless `all`, orders
 *   `latest` (last_activity_at desc) and pages with Kaminari `page(params[:page])`; the view
 *   app/views/api/v1/accounts/conversations/index.json.jbuilder answers `{data: {meta, payload: [...]}}`,
 *   each conversation from app/views/api/v1/conversations/partials/_conversation.json.jbuilder
 *   (display id as `id`, unix-int times, `updated_at` as a float, `meta.sender/assignee/team/channel`).
 * - `GET /api/v1/accounts/{account}/conversations/{display id}/messages?after=ID`: MessageFinder
 *   (app/finders/message_finder.rb) `messages_after` = `id > after`, oldest first, at most 100;
 *   `before=ID` = the 20 before, oldest first. The view messages/index.json.jbuilder answers
 *   `{meta, payload: [...]}`, each message from app/views/api/v1/models/_message.json.jbuilder
 *   (integer `message_type`, unix-int `created_at`, attachments only when present).
 * - Authentication: the `api_access_token` header of a user's access token.
 */

export class ChatwootApiError extends AppError {
  override name = 'ChatwootApiError';
  readonly status: number | null;
  constructor(message: string, status: number | null, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** The whole run ran out of time: what was written stays, the next run continues. */
export class RunBudgetExceededError extends AppError {
  override name = 'RunBudgetExceededError';
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  config: ApiConfig;
  fetch: Fetch;
  /** Each request, including reading its body, ends by then (ms). */
  requestTimeoutMs?: number;
  /** The run's deadline (epoch ms): no request starts, and no wait runs, past it. */
  deadline?: number;
  /** Attempts per request on 429, 5xx and network errors. */
  maxAttempts?: number;
  /** First backoff on 5xx / network errors (ms); doubles each attempt, with jitter. */
  baseBackoffMs?: number;
  /** Longest wait honoured for one Retry-After (s); a longer one ends the run. */
  maxRetryAfterSeconds?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told about each retry (status, wait), for progress output. Never given the token. */
  onRetry?: (info: { path: string; status: number | null; waitMs: number }) => void;
}

export interface ConversationsPage {
  conversations: unknown[];
}

/** Retry-After: delay-seconds or an HTTP date (RFC 9110 §10.2.3). Null when absent or unreadable. */
export const retryAfterMs = (header: string | null, now: number): number | null => {
  if (header === null || header.trim() === '') return null;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ChatwootClient {
  /** One page (1-based) of the account's conversations, newest activity first, any status. */
  conversationsPage(page: number): Promise<unknown[]>;
  /** Up to 100 messages with id > `after`, oldest first (MessageFinder#messages_after). */
  messagesAfter(conversationId: number, after: number): Promise<unknown[]>;
  /** One conversation, in the same partial as the list. */
  conversation(conversationId: number): Promise<unknown>;
  /** Requests sent so far (retries included). */
  readonly requests: number;
}

export const chatwootClient = (options: ClientOptions): ChatwootClient => {
  const { config } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const baseBackoffMs = options.baseBackoffMs ?? 500;
  const maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 120;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  let requests = 0;

  const remaining = (): number => deadline - now();
  const waitOrGiveUp = async (path: string, status: number | null, waitMs: number): Promise<void> => {
    if (waitMs > remaining())
      throw new RunBudgetExceededError(`the run's time budget ends before ${path} can be retried`);
    options.onRetry?.({ path, status, waitMs });
    await sleep(waitMs);
  };

  const getJson = async (path: string, query: Record<string, string | number>): Promise<unknown> => {
    const search = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const url = `${config.url}/api/v1/accounts/${config.accountId}${path}?${search}`;
    for (let attempt = 1; ; attempt++) {
      const left = remaining();
      if (left <= 0) throw new RunBudgetExceededError(`the run's time budget is spent (before ${path})`);
      const signal = AbortSignal.timeout(Math.min(requestTimeoutMs, left));
      let response: Response;
      requests += 1;
      try {
        response = await options.fetch(url, {
          method: 'GET',
          headers: { api_access_token: config.token.reveal(), accept: 'application/json' },
          signal,
        });
      } catch (error) {
        // Network error or timeout: the message may name the URL, never the token (it is a header).
        if (attempt >= maxAttempts)
          throw new ChatwootApiError(`GET ${path} failed after ${attempt} attempts`, null, { cause: error });
        await waitOrGiveUp(path, null, backoff(attempt));
        continue;
      }
      if (response.status === 429) {
        await response.body?.cancel();
        const wait = retryAfterMs(response.headers.get('retry-after'), now()) ?? backoff(attempt);
        if (wait > maxRetryAfterSeconds * 1000)
          throw new ChatwootApiError(`GET ${path}: rate limited for ${Math.ceil(wait / 1000)} s`, 429);
        if (attempt >= maxAttempts)
          throw new ChatwootApiError(`GET ${path}: still rate limited after ${attempt} attempts`, 429);
        await waitOrGiveUp(path, 429, wait);
        continue;
      }
      if (response.status >= 500) {
        await response.body?.cancel();
        if (attempt >= maxAttempts)
          throw new ChatwootApiError(
            `GET ${path}: ${response.status} after ${attempt} attempts`,
            response.status,
          );
        await waitOrGiveUp(path, response.status, backoff(attempt));
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        const hint = response.status === 401 ? ' (check the api token)' : '';
        throw new ChatwootApiError(`GET ${path}: ${response.status}${hint}`, response.status);
      }
      try {
        // parseBody, as the workers read webhooks: attribute bags keep their exact text (exact-json.ts).
        return parseBody(await response.text());
      } catch (error) {
        if (signal.aborted && attempt < maxAttempts) {
          await waitOrGiveUp(path, null, backoff(attempt));
          continue;
        }
        throw new ChatwootApiError(`GET ${path}: the body is not JSON`, response.status, { cause: error });
      }
    }
  };

  // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): spreads retries out.
  const backoff = (attempt: number): number =>
    Math.round(baseBackoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));

  const arrayAt = (value: unknown, path: string, ...keys: string[]): unknown[] => {
    let node: unknown = value;
    for (const key of keys)
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(node))
      throw new ChatwootApiError(`GET ${path}: no ${keys.join('.')} list in the answer`, 200);
    return node;
  };

  return {
    get requests() {
      return requests;
    },
    async conversationsPage(page) {
      const path = '/conversations';
      const body = await getJson(path, {
        status: 'all',
        assignee_type: 'all',
        sort_by: 'last_activity_at_desc',
        page,
      });
      return arrayAt(body, path, 'data', 'payload');
    },
    async messagesAfter(conversationId, after) {
      const path = `/conversations/${conversationId}/messages`;
      return arrayAt(await getJson(path, { after }), path, 'payload');
    },
    async conversation(conversationId) {
      const path = `/conversations/${conversationId}`;
      return getJson(path, {});
    },
  };
};
