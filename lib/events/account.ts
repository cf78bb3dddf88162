/**
 * The account a webhook body belongs to, for ANY event (handled, automation, unknown), without
 * validating it: cheap enough for the ingest's hot path. Looks, in order, at `account.id`,
 * `account_id`, `messages[].account_id`, `conversation.{account.id, account_id, messages[].account_id}`,
 * `current_conversation.{…}`, `contact.account.id` / `contact.account_id`, `user.account_id`.
 * Only positive safe integers count: `"1"` is not an account id.
 */
type Obj = { [key: string]: unknown };

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asId = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;

const fromMessages = (messages: unknown): number | null => {
  if (!Array.isArray(messages)) return null;
  for (const m of messages) {
    const id = isObj(m) ? asId(m.account_id) : null;
    if (id !== null) return id;
  }
  return null;
};

/** A conversation-shaped object (or a body that is one): account.id, account_id, messages[].account_id. */
const fromConversation = (o: unknown): number | null => {
  if (!isObj(o)) return null;
  return (isObj(o.account) ? asId(o.account.id) : null) ?? asId(o.account_id) ?? fromMessages(o.messages);
};

export const accountIdOfPayload = (payload: unknown): number | null => {
  if (!isObj(payload)) return null;
  return (
    fromConversation(payload) ??
    fromConversation(payload.conversation) ??
    fromConversation(payload.current_conversation) ??
    fromConversation(payload.contact) ??
    (isObj(payload.user) ? asId(payload.user.account_id) : null)
  );
};
