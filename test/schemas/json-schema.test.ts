import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handledEventNames } from '#contracts/routes.ts';
import { renderSchemaDocs, SCHEMAS_DIR } from '#scripts/schemas.ts';

const root = join(import.meta.dirname, '..', '..');

describe('docs/schemas (npm run schemas)', () => {
  const rendered = renderSchemaDocs();

  it('has one JSON Schema per handled event, plus the index', () => {
    expect([...rendered.keys()].sort()).toEqual(
      [
        ...handledEventNames.map((e) => join(SCHEMAS_DIR, `${e}.json`)),
        join(SCHEMAS_DIR, 'README.md'),
      ].sort(),
    );
    for (const event of handledEventNames) {
      const schema = JSON.parse(rendered.get(join(SCHEMAS_DIR, `${event}.json`))!);
      expect(schema).toMatchObject({ title: event, type: 'object', properties: { event: { const: event } } });
      expect(schema.required).toContain('event');
    }
  });

  it('committed files are exactly what the schemas generate (run `npm run schemas` after changing lib/schemas)', () => {
    for (const [path, contents] of rendered) {
      expect(readFileSync(join(root, path), 'utf8'), path).toBe(contents);
    }
    const committed = readdirSync(join(root, SCHEMAS_DIR)).map((f) => join(SCHEMAS_DIR, f));
    expect(committed.sort()).toEqual([...rendered.keys()].sort());
  });
});
