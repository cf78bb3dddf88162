import { isHandledEventName, type RouteName, routeNames, routeOfEvent } from '#contracts/routes.ts';
import { CliError } from './errors.ts';

/**
 * `--queue` takes an event name (`message_created`), a route (`message-created`) or a fallback
 * route (`archive`, `quarantine`); absent, every route.
 */
export const selectRoutes = (queue: string | undefined): RouteName[] => {
  if (queue === undefined) return [...routeNames];
  if (isHandledEventName(queue)) return [routeOfEvent(queue)];
  const route = routeNames.find((candidate) => candidate === queue);
  if (route === undefined)
    throw new CliError(
      `unknown queue ${queue}: use an event name such as message_created, or archive / quarantine`,
    );
  return [route];
};
