// The fuzz engine: hostile variants of every route's path, query and body, generated from the OpenAPI document,
// sent as several callers. Each answer is checked: a 4xx (never 5xx), the one error shape, a message naming the
// problem, the database unchanged, and nothing of another org in the answer.
import type { App } from '../../src/http/context.js';
import type { RouteEntry } from '../../src/http/route-table.js';

// ---------------------------------------------------------------------------------------------------------------
// The OpenAPI document, as much of it as the generator reads.

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  example?: unknown;
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** A route of the route table with what the document says it takes. */
export interface FuzzRoute {
  entry: RouteEntry;
  /** "METHOD /hono/path" */
  key: string;
  pathParams: Parameter[];
  query: Parameter[];
  /** the first declared body media type and its schema (refs resolved lazily) */
  body: { type: string; schema: JsonSchema } | null;
}

/** Pairs every route of the table with its operation in the document; a route missing there is an error. */
export function describeRoutes(doc: OpenApiDoc, table: readonly RouteEntry[]): FuzzRoute[] {
  return table.map((entry) => {
    const docPath = entry.path.replaceAll(/:(\w+)/g, '{$1}');
    const op = doc.paths[docPath]?.[entry.method.toLowerCase()];
    if (!op) throw new Error(`${entry.method} ${entry.path} is not in the OpenAPI document`);
    const params = op.parameters ?? [];
    const content = op.requestBody?.content ?? {};
    const [type, media] = Object.entries(content)[0] ?? [];
    return {
      entry,
      key: `${entry.method} ${entry.path}`,
      pathParams: params.filter((p) => p.in === 'path'),
      query: params.filter((p) => p.in === 'query'),
      body: type && media?.schema ? { type, schema: media.schema } : null,
    };
  });
}

export function resolveSchema(doc: OpenApiDoc, schema: JsonSchema | undefined): JsonSchema {
  let s = schema ?? {};
  for (let hops = 0; s.$ref && hops < 20; hops++) {
    const name = s.$ref.replace('#/components/schemas/', '');
    s = doc.components?.schemas?.[name] ?? {};
  }
  return s;
}

function typesOf(s: JsonSchema): string[] {
  const own = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  const alternatives = [...(s.anyOf ?? []), ...(s.oneOf ?? [])].flatMap(typesOf);
  return [...own, ...alternatives];
}

// ---------------------------------------------------------------------------------------------------------------
// Determinism: every choice comes from a PRNG seeded by text (seed, round, caller, route).

export type Random = () => number;

export function seeded(text: string): Random {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample<T>(rnd: Random, items: readonly T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile material.

export const SQL_INJECTION = [
  "' OR '1'='1",
  "'; DROP TABLE calls; --",
  '1; DELETE FROM organizations',
  "' UNION SELECT id, name FROM organizations --",
  "\\'; SELECT pg_sleep(5); --",
];
export const SCRIPT_INJECTION = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(document.cookie)',
  '{{constructor.constructor("alert(1)")()}}',
];
export const TRAVERSAL = ['../../etc/passwd', '..\\..\\windows\\win.ini', '/etc/passwd%00', '....//....//etc/passwd'];
/**
 * Odd text: NUL (refused), a bidi override, symbols, emoji, a BOM. None of it may match a name of org B: a
 * platform admin's search would rightly find that.
 */
export const ODD_TEXT = ['\u0000', '\u202e\u0041\u0042', 'Ω≈ç√∫˜µ≤≥÷', '🏴‍☠️'.repeat(10), '\uFEFF'];
export const IMPOSSIBLE_DATES = ['2026-02-30', '9999999-01-01', '2026-13-01', '2026-00-10', '2025-02-29', '2026-04-31'];
const IMPOSSIBLE_INSTANTS = [
  '2026-02-30T00:00:00Z',
  '9999999-01-01T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T25:00:00Z',
  '2026-01-01T00:61:00Z',
  '0000-01-01T00:00:00Z',
  'yesterday',
];
const BAD_TIME_ZONES = ['Mars/Olympus', '../../', "UTC'; DROP TABLE organizations; --", 'America/New York', ''];
const BAD_UUIDS = [
  'not-a-uuid',
  '12345',
  '00000000-0000-0000-0000-00000000000g',
  '------------------------------------',
  '{00000000-0000-4000-8000-000000000000}',
  '00000000000040008000000000000000',
];
const BAD_EMAILS = ['not-an-email', 'a@@example.com', "x'; DROP TABLE users; --@example.com", '<script>@example.com'];
const BAD_URLS = ['not a url', 'javascript:alert(1)', 'file:///etc/passwd', 'http://', 'ftp://example.com/'];
const ONE_MB = 1_048_576;

/** The JSON text of `depth` nested arrays. */
export const deepJson = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const enc = encodeURIComponent;
const utf8 = (text: string) => new TextEncoder().encode(text);
function bytesOf(...parts: Array<string | number[]>): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? utf8(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
/** Byte sequences that are not UTF-8: stray continuation, truncated sequence, overlong '/', a UTF-16 surrogate. */
const INVALID_UTF8: number[][] = [
  [0xff, 0xfe],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
];
const INVALID_UTF8_ESCAPES = ['%ff%fe', '%c3%28', '%c0%af', '%ed%a0%80', '%e2%82'];

// ---------------------------------------------------------------------------------------------------------------
// Variants.

export interface Variant {
  /** e.g. "body.wrong-type" — what kind of hostility */
  family: string;
  /** e.g. "body.name = 12345" */
  label: string;
  /** reject: must be a 4xx. safe: hostile but allowed content (free text); must not be a 5xx or leak. */
  expect: 'reject' | 'safe';
  /** always sent (the first round), so every defect class is tried on every route on every run */
  core?: boolean;
  /** a 400 invalid/malformed answer must name one of these (case-insensitive); empty: not checked */
  names: string[];
  method?: string;
  /** path parameters as raw (already percent-encoded) segments, replacing the base values */
  params?: Record<string, string>;
  /** the whole raw query string, replacing the base query */
  query?: string;
  body?: { bytes: Uint8Array | string; type: string | null };
}

/** A valid request a variant departs from: path parameter values, query values and (for JSON bodies) the body. */
export interface BaseRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
}

export const queryString = (query: Record<string, string>): string =>
  Object.entries(query)
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');

const withQuery = (base: string, extra: string) => (base ? `${base}&${extra}` : extra);

/** A value the schema accepts, as plain as possible. */
export function exampleOf(doc: OpenApiDoc, schema: JsonSchema | undefined, name = ''): unknown {
  const s = resolveSchema(doc, schema);
  const types = typesOf(s);
  if (s.example !== undefined) return s.example;
  if (s.enum && s.enum.length > 0) return s.enum[0];
  if (types.includes('object') || s.properties) {
    const out: Record<string, unknown> = {};
    for (const key of s.required ?? []) out[key] = exampleOf(doc, s.properties?.[key], key);
    return out;
  }
  if (types.includes('array')) {
    return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => exampleOf(doc, s.items, name));
  }
  if (types.includes('integer') || types.includes('number')) {
    return Math.min(Math.max(1, s.minimum ?? 1), s.maximum ?? Number.MAX_SAFE_INTEGER);
  }
  if (types.includes('boolean')) return false;
  switch (s.format) {
    case 'email':
      return 'fuzz.example@example.test';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'date-time':
      return '2030-01-01T00:00:00Z';
    case 'uri':
      return 'http://127.0.0.1:9';
  }
  if (s.pattern) {
    const candidates = ['fuzz-example', '101', 'fuzz', 'fuzz.example', '1'];
    const found = candidates.find((c) => new RegExp(s.pattern as string).test(c));
    if (found) return found;
  }
  const length = Math.min(Math.max(s.minLength ?? 1, 16), s.maxLength ?? 16);
  return `fuzz-${name}-`.padEnd(length, 'x').slice(0, Math.max(length, 1));
}

interface BadValue {
  label: string;
  value: unknown;
  /** raw JSON text to splice in instead of `value` (deep nesting) */
  raw?: string;
  core?: boolean;
  /** what the message must name instead of the field (a rule of the whole body) */
  names?: string[];
}

/** Values the schema must refuse, as JSON values (for bodies). */
function badJsonValues(doc: OpenApiDoc, schema: JsonSchema | undefined, name: string): BadValue[] {
  const s = resolveSchema(doc, schema);
  const types = typesOf(s);
  const out: BadValue[] = [];
  const isString = types.includes('string') && !s.enum;
  const isNumber = types.includes('integer') || types.includes('number');
  if (!types.includes('string')) out.push({ label: 'a string', value: 'fuzz' });
  if (!isNumber) out.push({ label: 'a number', value: 12345, core: true });
  if (!types.includes('boolean')) out.push({ label: 'a boolean', value: true });
  if (!types.includes('array')) out.push({ label: 'an array', value: ['fuzz'] });
  if (!types.includes('object')) out.push({ label: 'an object', value: { $gt: '' } });
  if (!types.includes('null')) out.push({ label: 'null', value: null });
  out.push({ label: 'nested 10,000 deep', value: null, raw: deepJson(10_000) });
  if (isString) {
    if (s.maxLength !== undefined) {
      out.push({ label: `${s.maxLength + 1} characters`, value: 'x'.repeat(s.maxLength + 1) });
      out.push({ label: '200 KB of SQL', value: SQL_INJECTION[1]?.repeat(8000) });
    }
    out.push({ label: '1 MB string', value: 'y'.repeat(ONE_MB + 16) });
    out.push({ label: 'a NUL character', value: 'a\u0000b', names: ['NUL'] });
    if ((s.minLength ?? 0) >= 1) out.push({ label: 'empty string', value: '' });
    if (s.pattern) {
      const re = new RegExp(s.pattern);
      for (const v of [...SQL_INJECTION, ...SCRIPT_INJECTION, ...TRAVERSAL, 'UPPER case', '-1', '1'.repeat(30)]) {
        if (!re.test(v)) out.push({ label: `pattern-breaking ${JSON.stringify(v)}`, value: v });
      }
    }
    const byFormat: Record<string, string[]> = {
      uuid: [...BAD_UUIDS, ...SQL_INJECTION.slice(0, 2)],
      email: BAD_EMAILS,
      'date-time': IMPOSSIBLE_INSTANTS,
      uri: BAD_URLS,
    };
    for (const v of byFormat[s.format ?? ''] ?? [])
      out.push({ label: `bad ${s.format} ${JSON.stringify(v)}`, value: v });
    if (/time.?zone|^tz$/i.test(name)) {
      for (const v of BAD_TIME_ZONES) out.push({ label: `bad time zone ${JSON.stringify(v)}`, value: v });
    }
  }
  if (s.enum) {
    const first = String(s.enum[0]);
    for (const v of ['not-a-choice', first.toUpperCase(), `${first}'--`, `${first} `]) {
      if (!s.enum.includes(v)) out.push({ label: `not one of the choices ${JSON.stringify(v)}`, value: v });
    }
  }
  if (isNumber) {
    const min = s.minimum ?? Number.NEGATIVE_INFINITY;
    const max = s.maximum ?? Number.POSITIVE_INFINITY;
    const candidates = [-1, 0, min - 1, max + 1, 1e308, -1e308, 2 ** 63, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2];
    for (const v of new Set(candidates)) {
      if (Number.isFinite(v) && (v < min || v > max)) out.push({ label: `out of range ${v}`, value: v });
    }
    if (types.includes('integer') && !types.includes('number')) {
      const inside = Number.isFinite(min) ? min + 0.5 : 1.5;
      if (inside <= max) out.push({ label: `fraction ${inside}`, value: inside });
    }
    out.push({ label: 'numeric string', value: String(exampleOf(doc, s)) });
  }
  if (types.includes('array')) {
    const item = exampleOf(doc, s.items, name);
    if ((s.minItems ?? 0) >= 1) out.push({ label: 'empty array', value: [] });
    if (s.maxItems !== undefined)
      out.push({ label: `${s.maxItems + 1} items`, value: Array(s.maxItems + 1).fill(item) });
    out.push({ label: '100,000 items', value: Array(100_000).fill(typeof item === 'string' ? 'x' : item) });
    for (const bad of badJsonValues(doc, s.items, name).filter((b) => !b.raw && b.label !== '1 MB string')) {
      out.push({ label: `an item ${bad.label}`, value: [bad.value], ...(bad.names ? { names: bad.names } : {}) });
    }
  }
  return out;
}

/** JSON text of `body`, with `raw` spliced in for the placeholder value of `key`. */
function bodyText(body: Record<string, unknown>, key: string, raw: string): string {
  const placeholder = '\u0000fuzz-raw\u0000';
  return JSON.stringify({ ...body, [key]: placeholder }).replace(JSON.stringify(placeholder), raw);
}

const JSON_TYPE = 'application/json';

/** Hostile bodies for a route that declares a JSON body. */
export function jsonBodyVariants(doc: OpenApiDoc, route: FuzzRoute, base: BaseRequest): Variant[] {
  if (!route.body) return [];
  const schema = resolveSchema(doc, route.body.schema);
  const baseBody = (base.body ?? exampleOf(doc, schema)) as Record<string, unknown>;
  const variants: Variant[] = [];
  const json = (label: string, value: unknown, names: string[], extra: Partial<Variant> = {}): Variant => ({
    family: extra.family ?? 'body',
    label,
    expect: 'reject',
    names,
    body: { bytes: JSON.stringify(value), type: JSON_TYPE },
    ...extra,
  });
  const raw = (label: string, bytes: Uint8Array | string, names: string[], extra: Partial<Variant> = {}): Variant => ({
    family: 'body.raw',
    label,
    expect: 'reject',
    names,
    body: { bytes, type: JSON_TYPE },
    ...extra,
  });
  const props = schema.properties ?? {};
  const firstString = Object.keys(props).find((k) => typesOf(resolveSchema(doc, props[k])).includes('string')) ?? 'x';

  // The body as a whole.
  variants.push(raw('malformed JSON', '{"name": ', ['JSON'], { core: true }));
  variants.push(raw('single-quoted JSON', "{'name': 'x'}", ['JSON']));
  variants.push(raw('empty body', '', ['JSON', 'body']));
  variants.push(raw('NaN', 'NaN', ['JSON']));
  for (const value of [[], 'text', 42, null, true]) {
    variants.push(json(`top-level ${JSON.stringify(value)}`, value, ['body'], { core: Array.isArray(value) }));
  }
  variants.push(raw('top-level array of 200,000 items', `[${Array(200_000).fill('0').join(',')}]`, ['body']));
  variants.push(raw('nested 10,000 deep', deepJson(10_000), ['nested'], { core: true, family: 'body.deep' }));
  variants.push(
    raw('a field nested 10,000 deep', bodyText(baseBody, firstString, deepJson(10_000)), ['nested'], {
      family: 'body.deep',
    }),
  );
  for (const [i, bad] of INVALID_UTF8.entries()) {
    variants.push(
      raw(
        `invalid UTF-8 ${bad.map((b) => b.toString(16)).join(' ')}`,
        bytesOf(`{"${firstString}": "a`, bad, '"}'),
        ['UTF-8'],
        {
          core: i === 0,
          family: 'body.utf8',
        },
      ),
    );
  }
  variants.push(
    raw('over the size limit', JSON.stringify({ ...baseBody, [firstString]: 'z'.repeat(ONE_MB + 1) }), [], {
      family: 'body.huge',
    }),
  );
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', null]) {
    variants.push({
      family: 'body.content-type',
      label: `JSON sent as ${type ?? 'no content type'}`,
      expect: 'reject',
      core: type === 'text/plain',
      names: ['content-type'],
      body: { bytes: JSON.stringify(baseBody), type },
    });
  }

  // Unknown fields, including ones that name columns or try prototype pollution.
  const unknown = ['fuzzUnknownField', 'id', 'org_id', 'orgId', 'createdBy', 'platformRole', 'isAdmin', 'key_hash'];
  for (const [i, key] of unknown.filter((k) => !(k in props)).entries()) {
    variants.push(
      json(`unknown field ${key}`, { ...baseBody, [key]: key === 'platformRole' ? 'platform_admin' : 1 }, [key], {
        family: 'body.unknown-field',
        core: i === 0,
      }),
    );
  }
  for (const key of ['__proto__', 'constructor']) {
    const text = JSON.stringify(baseBody).replace(/^\{/, `{"${key}":{"isAdmin":true,"prototype":{"polluted":true}},`);
    variants.push(raw(`${key} pollution`, text.replace(',}', '}'), [key], { family: 'body.unknown-field' }));
  }

  // Each field: missing when required, and every value its schema refuses.
  for (const [i, key] of (schema.required ?? []).entries()) {
    const { [key]: _dropped, ...rest } = baseBody;
    variants.push(json(`missing ${key}`, rest, [`body.${key}`], { family: 'body.missing', core: i === 0 }));
  }
  let coreWrongType = false;
  for (const [key, propSchema] of Object.entries(props)) {
    for (const bad of badJsonValues(doc, propSchema, key)) {
      const label = `body.${key} = ${bad.label}`;
      const core = !!bad.core && !coreWrongType;
      if (core) coreWrongType = true;
      if (bad.raw !== undefined) {
        variants.push(raw(label, bodyText(baseBody, key, bad.raw), ['nested'], { family: 'body.deep' }));
      } else {
        const size = bad.label === '1 MB string';
        variants.push(
          json(label, { ...baseBody, [key]: bad.value }, size ? [] : (bad.names ?? [`body.${key}`]), {
            family: size ? 'body.huge' : 'body.field',
            core,
          }),
        );
      }
    }
  }
  return variants;
}

/** Hostile bodies for a POST/PATCH/DELETE that declares no JSON body: what the shared guards must refuse. */
export function bodylessVariants(): Variant[] {
  return [
    {
      family: 'body.utf8',
      label: 'invalid UTF-8 body',
      expect: 'reject',
      core: true,
      names: ['UTF-8'],
      body: { bytes: bytesOf('{"a": "', [0xff, 0xfe], '"}'), type: JSON_TYPE },
    },
    {
      family: 'body.deep',
      label: 'body nested 10,000 deep',
      expect: 'reject',
      core: true,
      names: ['nested'],
      body: { bytes: deepJson(10_000), type: JSON_TYPE },
    },
    {
      family: 'body.huge',
      label: 'body over the size limit',
      expect: 'reject',
      names: [],
      body: { bytes: JSON.stringify({ a: 'z'.repeat(ONE_MB + 1) }), type: JSON_TYPE },
    },
  ];
}

/** What a query parameter means beyond its schema: values the route must refuse, and free text it must survive. */
export interface QuerySemantics {
  /** refused values; `with` adds companion parameters the value needs to be judged on its own (from needs to) */
  reject?: Array<string | { value: string; with: Record<string, string> }>;
  safe?: string[];
}

/** Hostile query strings: unknown, repeated and undecodable parameters, and every value a parameter refuses. */
export function queryVariants(
  doc: OpenApiDoc,
  route: FuzzRoute,
  base: BaseRequest,
  semantics: (route: FuzzRoute, name: string) => QuerySemantics,
): Variant[] {
  const baseQs = queryString(base.query);
  const declared = route.query.map((p) => p.name);
  const first = declared.find((n) => n !== 'org_id') ?? declared[0];
  const variants: Variant[] = [];
  const q = (label: string, query: string, names: string[], extra: Partial<Variant> = {}): Variant => ({
    family: 'query',
    label,
    expect: 'reject',
    names,
    query,
    ...extra,
  });

  for (const [i, key] of ['fuzz_unknown', 'orgId', '__proto__', 'constructor', 'limit[]', 'org_id '].entries()) {
    if (declared.includes(key)) continue;
    variants.push(
      q(`unknown parameter ${key}`, withQuery(baseQs, `${enc(key)}=1`), [key.trim()], {
        family: 'query.unknown',
        core: i === 0,
      }),
    );
  }
  const dupKey = first ?? 'fuzz';
  const dupValue =
    base.query[dupKey] ??
    String(first ? exampleOf(doc, route.query.find((p) => p.name === first)?.schema, first) : '1');
  variants.push(
    q(
      `${dupKey} twice`,
      withQuery(baseQs, `${enc(dupKey)}=${enc(dupValue)}&${enc(dupKey)}=${enc(dupValue)}`),
      [dupKey],
      {
        family: 'query.duplicate',
        core: true,
      },
    ),
  );
  if (base.query.org_id !== undefined) {
    const rest = queryString(Object.fromEntries(Object.entries(base.query).filter(([k]) => k !== 'org_id')));
    const other = '00000000-0000-4000-8000-000000000000';
    variants.push(
      q(
        'org_id twice (own, then another)',
        withQuery(rest, `org_id=${base.query.org_id}&org_id=${other}`),
        ['org_id'],
        {
          family: 'query.duplicate',
          core: true,
        },
      ),
    );
    variants.push(
      q(
        'org_id twice (another, then own)',
        withQuery(rest, `org_id=${other}&org_id=${base.query.org_id}`),
        ['org_id'],
        {
          family: 'query.duplicate',
        },
      ),
    );
  }
  for (const [i, bad] of INVALID_UTF8_ESCAPES.entries()) {
    variants.push(
      q(`invalid UTF-8 in ${dupKey}`, withQuery(baseQs, `${enc(dupKey)}=${bad}`), ['UTF-8'], {
        family: 'query.utf8',
        core: i === 0,
      }),
    );
  }
  variants.push(q('invalid UTF-8 in a name', withQuery(baseQs, '%ff%fe=1'), ['UTF-8'], { family: 'query.utf8' }));
  variants.push(q(`NUL in ${dupKey}`, withQuery(baseQs, `${enc(dupKey)}=a%00b`), ['NUL'], { family: 'query.nul' }));
  variants.push(q('NUL in a name', withQuery(baseQs, 'a%00b=1'), ['NUL'], { family: 'query.nul' }));
  for (const bad of ['%zz', '%', '%f']) {
    variants.push(
      q(`malformed escape ${bad}`, withQuery(baseQs, `${enc(dupKey)}=${bad}`), ['percent'], { family: 'query.utf8' }),
    );
  }
  variants.push(
    q(`1 MB ${dupKey}`, withQuery(baseQs, `${enc(dupKey)}=${'w'.repeat(ONE_MB)}`), [dupKey], { family: 'query.huge' }),
  );

  for (const param of route.query) {
    const name = param.name;
    const others = Object.fromEntries(Object.entries(base.query).filter(([k]) => k !== name));
    const set = (value: string) => withQuery(queryString(others), `${enc(name)}=${enc(value)}`);
    const s = resolveSchema(doc, param.schema);
    const types = typesOf(s);
    const values = new Set<string>();
    if (types.includes('integer') || types.includes('number')) {
      const min = s.minimum ?? Number.NEGATIVE_INFINITY;
      const max = s.maximum ?? Number.POSITIVE_INFINITY;
      for (const v of [
        'abc',
        '',
        'NaN',
        'Infinity',
        '1e308',
        '-1e308',
        '9223372036854775808',
        '-9223372036854775809',
      ]) {
        if (!(Number(v) >= min && Number(v) <= max && (Number.isInteger(Number(v)) || !types.includes('integer'))))
          values.add(v);
      }
      for (const n of [min - 1, max + 1, -1, 0]) if (Number.isFinite(n) && (n < min || n > max)) values.add(String(n));
      if (types.includes('integer') && Number.isFinite(min) && min + 0.5 <= max) values.add(String(min + 0.5));
    } else if (s.enum) {
      for (const v of ['not-a-choice', String(s.enum[0]).toUpperCase(), `${String(s.enum[0])}'--`, '']) {
        if (!s.enum.includes(v)) values.add(v);
      }
    } else {
      if (s.maxLength !== undefined) values.add('x'.repeat(s.maxLength + 1));
      if (s.format === 'uuid') for (const v of [...BAD_UUIDS, ...SQL_INJECTION.slice(0, 2)]) values.add(v);
      if (s.format === 'date-time') for (const v of IMPOSSIBLE_INSTANTS) values.add(v);
      if (s.pattern) {
        const re = new RegExp(s.pattern);
        for (const v of [...SQL_INJECTION, ...SCRIPT_INJECTION, '-1', '9'.repeat(30)]) if (!re.test(v)) values.add(v);
      }
    }
    const meaning = semantics(route, name);
    const short = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v);
    for (const v of values) variants.push(q(`${name}=${short(v)}`, set(v), [name], { family: 'query.value' }));
    for (const r of meaning.reject ?? []) {
      const { value, with: companions } = typeof r === 'string' ? { value: r, with: {} } : r;
      const rest = Object.fromEntries(Object.entries(others).filter(([k]) => !(k in companions)));
      const query = withQuery(queryString({ ...rest, ...companions }), `${enc(name)}=${enc(value)}`);
      variants.push(q(`${name}=${short(value)}`, query, [name], { family: 'query.meaning' }));
    }
    for (const v of meaning.safe ?? []) {
      variants.push(
        q(`${name}=${JSON.stringify(v)} (free text)`, set(v), [], { family: 'query.free-text', expect: 'safe' }),
      );
    }
  }
  return variants;
}

/** Hostile path parameters: bad UUIDs, traversal (encoded, so it reaches the parameter), injection, bad bytes. */
export function pathVariants(doc: OpenApiDoc, route: FuzzRoute): Variant[] {
  const variants: Variant[] = [];
  for (const [i, param] of route.pathParams.entries()) {
    const s = resolveSchema(doc, param.schema);
    const names = [`path.${param.name}`, param.name];
    const v = (label: string, segment: string, extra: Partial<Variant> = {}): Variant => ({
      family: 'path',
      label: `${param.name} = ${label}`,
      expect: 'reject',
      names,
      params: { [param.name]: segment },
      ...extra,
    });
    if (s.format === 'uuid') {
      for (const [j, bad] of BAD_UUIDS.entries())
        variants.push(v(JSON.stringify(bad), enc(bad), { core: i === 0 && j === 0 }));
      variants.push(v('uuid with a suffix', `${enc('00000000-0000-4000-8000-000000000000')}x`));
    }
    if (s.maxLength !== undefined) variants.push(v(`${s.maxLength + 1} characters`, 'x'.repeat(s.maxLength + 1)));
    variants.push(v('10,000 characters', 'x'.repeat(10_000)));
    for (const bad of [...SQL_INJECTION, ...SCRIPT_INJECTION.slice(0, 2)])
      variants.push(v(JSON.stringify(bad), enc(bad)));
    variants.push(v('encoded ../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', { family: 'path.traversal', core: i === 0 }));
    variants.push(v('dot-encoded traversal', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', { family: 'path.traversal' }));
    variants.push(v('double-encoded traversal', '..%252F..%252Fetc%252Fpasswd', { family: 'path.traversal' }));
    variants.push(v('backslash traversal', enc('..\\..\\etc\\passwd'), { family: 'path.traversal' }));
    // %2e%2e is a dot segment to URL parsers: the path is normalized before routing, so any 4xx will do.
    variants.push(v('%2e%2e segment', '%2e%2e', { family: 'path.traversal', names: [] }));
    variants.push(v('NUL byte', '%00', { family: 'path.bytes', names: ['NUL'] }));
    for (const [j, bad] of INVALID_UTF8_ESCAPES.entries()) {
      variants.push(
        v(`invalid UTF-8 ${bad}`, bad, { family: 'path.utf8', names: ['UTF-8'], core: i === 0 && j === 0 }),
      );
    }
  }
  return variants;
}

/** Other HTTP methods on the route's path: no route, a 404/405 in the error shape. */
export function methodVariants(route: FuzzRoute): Variant[] {
  return ['PUT', 'OPTIONS']
    .filter((m) => m !== route.entry.method)
    .map((method, i) => ({
      family: 'method',
      label: `${method} instead of ${route.entry.method}`,
      expect: 'reject',
      names: [],
      method,
      core: i === 0,
    }));
}

// ---------------------------------------------------------------------------------------------------------------
// Running and checking.

export interface FuzzActor {
  name: string;
  headers: Record<string, string>;
}

export interface FuzzOptions {
  app: App;
  doc: OpenApiDoc;
  routes: FuzzRoute[];
  actors: FuzzActor[];
  /** a valid request of the route for the caller (real ids, so an accepted variant would really change data) */
  base(route: FuzzRoute, actor: FuzzActor): BaseRequest;
  /** route-specific hostile requests (foreign ids, webhook bodies, …) */
  extra?(route: FuzzRoute, actor: FuzzActor): Variant[];
  semantics?(route: FuzzRoute, name: string): QuerySemantics;
  /** a digest per table of every row; compared before and after each request */
  snapshot(): Promise<Map<string, string>>;
  /** identifiers and names of the other org (matched case-insensitively) that no answer may contain */
  markers: string[];
  seed: string;
  rounds: number;
  /** variants sampled per route, caller and round, besides the core ones of round 0 */
  perRoute: number;
}

export interface FuzzReport {
  findings: string[];
  sent: number;
  statuses: Record<string, number>;
  /** "route key + family" (body, query, path) where a validation 400 named the problem: the validators were reached */
  validated: Set<string>;
  families: Set<string>;
}

export function buildUrl(route: FuzzRoute, base: BaseRequest, v: Variant): string {
  let path = route.entry.path;
  for (const p of route.pathParams) {
    const segment = v.params?.[p.name] ?? enc(base.params[p.name] ?? '');
    path = path.replace(`:${p.name}`, segment);
  }
  const query = v.query ?? queryString(base.query);
  return `http://localhost${path}${query ? `?${query}` : ''}`;
}

function requestBody(
  route: FuzzRoute,
  base: BaseRequest,
  v: Variant,
): { bytes: Uint8Array | string; type: string | null } | undefined {
  if (v.body) return v.body;
  if (route.body?.type === JSON_TYPE && base.body !== undefined)
    return { bytes: JSON.stringify(base.body), type: JSON_TYPE };
  return undefined;
}

const ERROR_CODES_NOT_NAMING = new Set(['route_not_found', 'forbidden', 'insufficient_scope', 'unauthenticated']);

/** What is wrong with one answer, if anything. */
export function judge(
  v: Variant,
  answer: { status: number; contentType: string; text: string; headers: string },
  markers: readonly string[],
  sentText: string,
): string[] {
  const { status, contentType, text } = answer;
  const problems: string[] = [];
  const lower = `${text}\n${answer.headers}`.toLowerCase();
  for (const m of markers) {
    if (lower.includes(m) && !sentText.includes(m))
      problems.push(`the answer contains another org's ${JSON.stringify(m)}`);
  }
  if (v.expect === 'safe') {
    if (status >= 500) problems.push(`status ${status}`);
  } else if (status < 400 || status >= 500) {
    problems.push(`status ${status} (wanted a 4xx)`);
  }
  if (status < 400) return problems;
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
  } catch {
    error = undefined;
  }
  if (
    !contentType.includes('application/json') ||
    typeof error?.code !== 'string' ||
    typeof error.message !== 'string' ||
    !error.message
  ) {
    problems.push(`not the error shape {error:{code,message}} (${contentType})`);
    return problems;
  }
  const validation = status === 400 && (error.code === 'invalid_request' || error.code === 'malformed_request');
  if (validation && v.names.length > 0 && !ERROR_CODES_NOT_NAMING.has(error.code)) {
    const message = error.message.toLowerCase();
    if (!v.names.some((n) => message.includes(n.toLowerCase()))) {
      problems.push(`the message does not name ${v.names.join(' or ')}`);
    }
  }
  if (status === 415 && !/content-type/i.test(error.message)) problems.push('a 415 that does not mention Content-Type');
  return problems;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const tables = new Set([...before.keys(), ...after.keys()]);
  return [...tables].filter((t) => before.get(t) !== after.get(t));
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { findings: [], sent: 0, statuses: {}, validated: new Set(), families: new Set() };
  const markers = [...new Set(o.markers.map((m) => m.toLowerCase()).filter((m) => m.length >= 4))];
  const semantics = o.semantics ?? (() => ({}));
  let state = await o.snapshot();
  for (let round = 0; round < o.rounds; round++) {
    for (const actor of o.actors) {
      for (const route of o.routes) {
        const base = o.base(route, actor);
        const all = [
          ...pathVariants(o.doc, route),
          ...queryVariants(o.doc, route, base, semantics),
          ...(route.body?.type === JSON_TYPE ? jsonBodyVariants(o.doc, route, base) : []),
          ...(route.entry.method !== 'GET' && route.body?.type !== JSON_TYPE ? bodylessVariants() : []),
          ...methodVariants(route),
          ...(o.extra?.(route, actor) ?? []),
        ];
        const rnd = seeded(`${o.seed}:${round}:${actor.name}:${route.key}`);
        const core = round === 0 ? all.filter((v) => v.core) : [];
        const chosen = [
          ...core,
          ...sample(
            rnd,
            all.filter((v) => !core.includes(v)),
            o.perRoute,
          ),
        ];
        for (const v of chosen) {
          const url = buildUrl(route, base, v);
          const body = requestBody(route, base, v);
          const headers: Record<string, string> = { ...actor.headers };
          if (body?.type) headers['content-type'] = body.type;
          const method = v.method ?? route.entry.method;
          const init: RequestInit = { method, headers };
          if (body && method !== 'GET' && method !== 'HEAD') init.body = body.bytes as Uint8Array<ArrayBuffer> | string;
          const res = await o.app.request(url, init);
          report.sent++;
          report.families.add(v.family);
          report.statuses[res.status] = (report.statuses[res.status] ?? 0) + 1;
          const type = res.headers.get('content-type') ?? '';
          let text = '';
          if (type.includes('text/event-stream') || type.includes('text/csv')) await res.body?.cancel();
          else text = await res.text();
          const sent = `${url} ${typeof body?.bytes === 'string' ? body.bytes.slice(0, 4096) : ''}`.toLowerCase();
          const where = `${method} ${route.entry.path} as ${actor.name}: ${v.label}`;
          const headerText = [...res.headers].map(([k, x]) => `${k}: ${x}`).join('\n');
          const answer = { status: res.status, contentType: type, text, headers: headerText };
          const problems = judge(v, answer, markers, sent);
          if (res.status === 400 && v.expect === 'reject' && problems.length === 0 && v.names.length > 0) {
            report.validated.add(`${route.key} ${v.family.split('.')[0]}`);
          }
          const after = await o.snapshot();
          const changed = diff(state, after);
          if (changed.length > 0) {
            problems.push(`changed the database (${changed.join(', ')})`);
            state = after;
          }
          for (const p of problems) report.findings.push(`${where} → ${res.status}: ${p} — ${text.slice(0, 160)}`);
        }
      }
    }
  }
  return report;
}
