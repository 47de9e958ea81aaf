// Contract checks: Ajv over contract/swagger-v4.json with the relaxations of API-NOTES 0.3.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface SwaggerResponse {
  schema?: JsonObject;
  examples?: Record<string, Json>;
}

interface Swagger {
  paths: Record<string, Record<string, { responses?: Record<string, SwaggerResponse> }>>;
  definitions: Record<string, JsonObject>;
}

export interface ValidationResult {
  valid: boolean;
  errors: string[];
}

export interface ResponseExample {
  method: string;
  path: string;
  status: string;
  example: Json;
}

export const CONTRACT_URL = new URL('../../contract/swagger-v4.json', import.meta.url);

/** 1–7 fractional digits, `Z`, an offset, or no zone at all (read as UTC). Relaxation 3. */
const LENIENT_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Rewrites a Swagger schema for Ajv: refs point into the registered document, every property may be
 * null (relaxation 1) and enums compare case-insensitively (relaxation 2, keyword `enumCi`).
 */
function relax(node: Json, nullable: boolean, relaxed = true): Json {
  if (!relaxed) return strictRefs(node);
  if (Array.isArray(node)) return node.map((n) => relax(n, false));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    const ref = { $ref: node.$ref.replace(/^#\/definitions\//, 'swagger#/definitions/') };
    return nullable ? { anyOf: [ref, { type: 'null' }] } : ref;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'description') continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relax(v, true)]));
    } else if (key === 'items' || key === 'additionalProperties') {
      out[key] = typeof value === 'boolean' ? value : relax(value, true);
    } else if (key === 'enum' && Array.isArray(value)) {
      out.enumCi = value;
    } else {
      out[key] = relax(value, false);
    }
  }
  if (nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (nullable && Array.isArray(out.enumCi)) out.enumCi = [...out.enumCi, null];
  return out;
}

/** The unrelaxed form: only refs rewritten (used to show what the relaxations are for). */
function strictRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(strictRefs);
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') return { $ref: node.$ref.replace(/^#\/definitions\//, 'swagger#/definitions/') };
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'example' && key !== 'description') out[key] = strictRefs(value);
  }
  return out;
}

const STRICT_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`);
}

export class Contract {
  readonly swagger: Swagger;
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();

  /** `relaxed: false` validates the Swagger as written (no nulls, exact enums, zoned date-times). */
  constructor(
    file: URL | string = CONTRACT_URL,
    private readonly relaxed = true,
  ) {
    this.swagger = JSON.parse(readFileSync(file, 'utf8')) as Swagger;
    this.ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
    this.ajv.addKeyword({
      keyword: 'enumCi',
      schemaType: 'array',
      validate: (allowed: Json[], data: Json) =>
        allowed.some(
          (a) =>
            a === data || (typeof a === 'string' && typeof data === 'string' && a.toLowerCase() === data.toLowerCase()),
        ),
      errors: false,
    });
    this.ajv.addFormat('date-time', relaxed ? LENIENT_DATE_TIME : STRICT_DATE_TIME);
    this.ajv.addFormat('uuid', UUID);
    this.ajv.addFormat('int32', {
      type: 'number',
      validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31,
    });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
    const definitions = Object.fromEntries(
      Object.entries(this.swagger.definitions).map(([k, v]) => [k, relax(v, false, relaxed)]),
    );
    this.ajv.addSchema({ $id: 'swagger', definitions });
  }

  /** The declared response schema of an operation, e.g. ('get', '/calls/{id}', 200). */
  responseSchema(method: string, path: string, status: number | string): JsonObject {
    const response = this.swagger.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)];
    if (!response?.schema) throw new Error(`no schema for ${method.toUpperCase()} ${path} ${status}`);
    return response.schema;
  }

  validateResponse(method: string, path: string, status: number | string, body: unknown): ValidationResult {
    return this.run(
      `${method} ${path} ${status}`,
      () => relax(this.responseSchema(method, path, status), false, this.relaxed),
      body,
    );
  }

  validateDefinition(name: string, body: unknown): ValidationResult {
    if (!this.swagger.definitions[name]) throw new Error(`no definition ${name}`);
    return this.run(`def ${name}`, () => ({ $ref: `swagger#/definitions/${name}` }), body);
  }

  /** Validates against a plain JSON schema (for what the Swagger leaves without one). */
  validateSchema(key: string, schema: object, body: unknown): ValidationResult {
    return this.run(`custom ${key}`, () => schema as Json, body);
  }

  /** Every response example in the Swagger (for checking the relaxations themselves). */
  examples(): ResponseExample[] {
    const out: ResponseExample[] = [];
    for (const [path, ops] of Object.entries(this.swagger.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          const example = response.examples?.['application/json'];
          if (example !== undefined && response.schema) out.push({ method, path, status, example });
        }
      }
    }
    return out;
  }

  /**
   * Property paths in `body` that the schema does not declare (objects stay open for validation; this
   * is a separate check that the simulator only adds fields on purpose).
   */
  undeclared(schema: JsonObject, body: unknown, at = ''): string[] {
    const resolved = this.resolve(schema);
    if (Array.isArray(body)) {
      const items = resolved.items;
      return isObject(items) ? body.flatMap((item, i) => this.undeclared(items, item, `${at}[${i}]`)) : [];
    }
    if (typeof body !== 'object' || body === null) return [];
    const props = isObject(resolved.properties) ? resolved.properties : undefined;
    const extra = resolved.additionalProperties;
    const out: string[] = [];
    for (const [key, value] of Object.entries(body)) {
      const declared = props?.[key];
      if (isObject(declared)) out.push(...this.undeclared(declared, value, `${at}.${key}`));
      else if (isObject(extra)) out.push(...this.undeclared(extra, value, `${at}.${key}`));
      else if (extra !== true && !(resolved.type === 'object' && props === undefined)) out.push(`${at}.${key}`);
    }
    return out;
  }

  private resolve(schema: JsonObject): JsonObject {
    if (typeof schema.$ref !== 'string') return schema;
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    const target = this.swagger.definitions[name];
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    return this.resolve(target);
  }

  private run(key: string, build: () => Json, body: unknown): ValidationResult {
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile(build() as object);
      this.cache.set(key, validate);
    }
    const valid = validate(body) === true;
    return { valid, errors: valid ? [] : describe(validate.errors) };
  }
}
