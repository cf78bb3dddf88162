import type * as v from 'valibot';
import type { AccountSchema } from './account.ts';
import type { ActorSchema } from './actor.ts';
import type { AttachmentSchema } from './attachment.ts';
import type { ChangedAttributesSchema } from './changed-attributes.ts';
import type { ContactSchema } from './contact.ts';
import type { ContactInboxSchema } from './contact-inbox.ts';
import type { ConversationSchema } from './conversation.ts';
import type * as events from './events.ts';
import type { InboxSchema } from './inbox.ts';
import type { NestedMessageSchema } from './message.ts';
import type { TeamSchema } from './team.ts';
import type {
  Account,
  Actor,
  Attachment,
  ChangedAttribute,
  Contact,
  ContactEvent,
  ContactInbox,
  Conversation,
  ConversationEvent,
  Inbox,
  Message,
  MessageEvent,
  Team,
  WidgetTriggeredEvent,
} from './types.ts';

/**
 * Compile-time contract: every schema's output is assignable to its normalised type in
 * `lib/schemas/types.ts`. If a schema drifts, `tsc` fails here.
 */
type Assignable<T extends U, U> = T;
type Out<S extends v.GenericSchema> = v.InferOutput<S>;

export type SchemaContract = [
  Assignable<Out<typeof AccountSchema>, Account>,
  Assignable<Out<typeof InboxSchema>, Inbox>,
  Assignable<Out<typeof TeamSchema>, Team>,
  Assignable<Out<typeof ContactSchema>, Contact>,
  Assignable<Out<typeof ActorSchema>, Actor>,
  Assignable<Out<typeof ContactInboxSchema>, ContactInbox>,
  Assignable<Out<typeof AttachmentSchema>, Attachment>,
  Assignable<Out<typeof NestedMessageSchema>, Message>,
  Assignable<Out<typeof ConversationSchema>, Conversation>,
  Assignable<Out<typeof ChangedAttributesSchema>, ChangedAttribute[] | null>,
  Assignable<Out<typeof events.ConversationCreatedSchema>, ConversationEvent>,
  Assignable<Out<typeof events.ConversationUpdatedSchema>, ConversationEvent>,
  Assignable<Out<typeof events.ConversationStatusChangedSchema>, ConversationEvent>,
  Assignable<Out<typeof events.MessageCreatedSchema>, MessageEvent>,
  Assignable<Out<typeof events.MessageUpdatedSchema>, MessageEvent>,
  Assignable<Out<typeof events.ContactCreatedSchema>, ContactEvent>,
  Assignable<Out<typeof events.ContactUpdatedSchema>, ContactEvent>,
  Assignable<Out<typeof events.WebwidgetTriggeredSchema>, WidgetTriggeredEvent>,
];
