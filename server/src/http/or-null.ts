// `schema | null` that the OpenAPI document describes correctly when the schema is a named component.
import { z } from '@hono/zod-openapi';

/**
 * `schema | null` for a named schema (one with `.openapi('Name')`). Its `.nullable()` carries the name along, so
 * the document could make the component itself nullable (User as `object | null` everywhere) and documents the
 * reference as `allOf` with a null type, which no null satisfies; a union documents `anyOf: [$ref, null]`.
 */
export const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);
