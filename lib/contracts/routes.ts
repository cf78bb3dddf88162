/**
 * The names behind the event registry: which events we model, and the route (queue + DLQ + worker)
 * each one travels on. Kept free of schemas so infrastructure code can read it without pulling in
 * validation code. `registry.ts` pairs every name here with its schema.
 */
export const handledEventNames = [
  'conversation_created',
  'conversation_updated',
  'conversation_status_changed',
  'message_created',
  'message_updated',
  'webwidget_triggered',
  'contact_created',
  'contact_updated',
] as const;

export type HandledEventName = (typeof handledEventNames)[number];

/** Routes that are not an event type: unknown events are archived, misfits quarantined. */
export const fallbackRoutes = ['archive', 'quarantine'] as const;
export type FallbackRoute = (typeof fallbackRoutes)[number];

type Kebab<S extends string> = S extends `${infer H}_${infer T}` ? `${H}-${Kebab<T>}` : S;
export type EventRoute = Kebab<HandledEventName>;
export type RouteName = EventRoute | FallbackRoute;

const kebab = <E extends HandledEventName>(event: E): Kebab<E> => event.replaceAll('_', '-') as Kebab<E>;
const routesByEvent = Object.fromEntries(handledEventNames.map((event) => [event, kebab(event)])) as {
  [E in HandledEventName]: Kebab<E>;
};

/** `message_created` → `message-created`: the queue and worker suffix of an event type. */
export const routeOfEvent = <E extends HandledEventName>(event: E): Kebab<E> => routesByEvent[event];

/** Every queue-fed route, in a stable order: one SQS queue, one DLQ and one worker each. */
export const routeNames: readonly RouteName[] = [...handledEventNames.map(routeOfEvent), ...fallbackRoutes];

export const isHandledEventName = (name: string): name is HandledEventName =>
  Object.hasOwn(routesByEvent, name);
