import { randomBytes } from 'node:crypto';
import { conversationStory } from '#fixtures/worker-story.ts';
import { apiStateAfter, type ChatwootApiDouble, type Json, startChatwootApiDouble } from './chatwoot-api.ts';

/**
 * `npm start -- --chatwoot-double`: the Chatwoot API DOUBLE (not Chatwoot), seeded with the test
 * story's conversation, so `mhub backfill` can be tried with no Chatwoot. Returns the banner lines.
 */
export const startSeededDouble = async (
  source: string,
): Promise<{ double: ChatwootApiDouble; banner: string }> => {
  const bodies = conversationStory().map((envelope) => JSON.parse(envelope.rawBody) as Json);
  // A throwaway token of a throwaway double: printing it is harmless, unlike a real access token.
  const double = await startChatwootApiDouble(apiStateAfter(1, bodies), {
    token: `double-${randomBytes(12).toString('hex')}`,
  });
  const secrets = JSON.stringify({
    [source]: { secrets: ['<your secret>'], api: { url: double.url, token: double.token, accountId: 1 } },
  });
  const banner = [
    `  Chatwoot API double (a stand-in, not Chatwoot) on ${double.url}, account 1, one story conversation.`,
    '  Try it:',
    `    WEBHOOK_SECRETS='${secrets}' npx mhub backfill --source ${source}`,
    '',
  ].join('\n');
  return { double, banner };
};
