import { describe, expect, it } from 'vitest';
import { printEvents } from '#cli/commands/events.ts';
import { memoryIo, printRows } from '#cli/io.ts';
import { printConversations } from '#cli/views/conversations.ts';
import { printDeadLetters } from '#cli/views/dlq.ts';

/** The list views: JSON for scripts, a table for humans, and a sentence when there is nothing. */
describe('printRows', () => {
  const columns = [
    { header: 'ID', value: (row: { id: number; name: string }) => row.id },
    { header: 'NAME', value: (row: { id: number; name: string }) => row.name },
  ];

  it('prints JSON with --json, even for an empty list', () => {
    const io = memoryIo({});
    printRows(io, [{ id: 1, name: 'a' }], { json: true, empty: 'none', columns });
    expect(JSON.parse(io.stdout)).toEqual([{ id: 1, name: 'a' }]);
    const empty = memoryIo({});
    printRows(empty, [], { json: true, empty: 'none', columns });
    expect(JSON.parse(empty.stdout)).toEqual([]);
  });

  it('prints an aligned table, or the empty sentence', () => {
    const io = memoryIo({});
    printRows(io, [{ id: 7, name: 'acme' }], { json: false, empty: 'none', columns });
    expect(io.stdout).toBe('ID  NAME\n7   acme\n');
    const empty = memoryIo({});
    printRows(empty, [], { json: false, empty: 'none', columns });
    expect(empty.stdout).toBe('none\n');
  });

  it('gives each list command its own empty sentence', () => {
    const views: [(io: ReturnType<typeof memoryIo>) => void, string][] = [
      [(io) => printEvents(io, [], false), 'no events\n'],
      [(io) => printConversations(io, [], false), 'no conversations\n'],
      [(io) => printDeadLetters(io, [], false), 'no messages in the dead-letter queues\n'],
    ];
    for (const [print, expected] of views) {
      const io = memoryIo({});
      print(io);
      expect(io.stdout).toBe(expected);
    }
  });
});
