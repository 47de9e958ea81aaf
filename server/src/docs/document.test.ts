import { describe, expect, it } from 'vitest';
import { openApiDocumentText } from './document.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);

function field(value: Json | undefined, key: string): Json | undefined {
  return isObject(value) ? value[key] : undefined;
}

/** Every object in the document with where it is (a JSON pointer), depth first. */
function* objectsIn(value: Json, at = ''): Generator<[string, JsonObject]> {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* objectsIn(item, `${at}/${i}`);
  } else if (isObject(value)) {
    yield [at, value];
    for (const [key, item] of Object.entries(value)) yield* objectsIn(item, `${at}/${key}`);
  }
}

const allowsNull = (schema: Json): boolean => {
  const type = field(schema, 'type');
  return type === 'null' || (Array.isArray(type) && type.includes('null'));
};

describe('the OpenAPI document', () => {
  it('is built without a database, and says "or null" where a named schema is used, not in the schema', async () => {
    // Given the document as /api/openapi.json serves it (its database refuses every query)
    const doc: Json = JSON.parse(await openApiDocumentText());
    const schemas = field(field(doc, 'components'), 'schemas');
    if (!isObject(schemas)) throw new Error('the document has no component schemas');

    // Then no named component is itself nullable: User is an object, wherever it is used
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['User', 'Invitation', 'Invite', 'Metrics', 'Me']));
    expect(Object.keys(schemas).filter((name) => allowsNull(schemas[name] ?? null))).toEqual([]);
    // And no reference is narrowed by an allOf with a null type (which no value, null included, satisfies)
    const narrowed = [...objectsIn(doc)].filter(([, o]) => Array.isArray(o.allOf) && o.allOf.some(allowsNull));
    expect(narrowed.map(([at]) => at)).toEqual([]);
    // And where a user may be absent, the document says "the User component, or null"
    expect(field(field(schemas.Me, 'properties'), 'user')).toEqual({
      anyOf: [{ $ref: '#/components/schemas/User' }, { type: 'null' }],
    });
  });
});
