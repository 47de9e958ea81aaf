// HTTP routes of the phone-number inventory and its assignment to orgs.
import { createRoute, z } from '@hono/zod-openapi';
import type { AuditEntry } from '../audit/audit.js';
import type { App, AppDeps } from '../http/context.js';
import { InstantSchema } from '../http/instant.js';
import { defineRoute, json, jsonBody, UuidSchema } from '../http/route.js';
import { type AssignResult, assignNumbers, createPhoneNumber, listPhoneNumbers, unassignNumber } from './service.js';

const tags = ['Phone numbers'];

const AssignmentSchema = z.object({
  orgId: z.string(),
  orgName: z.string(),
  assignedFrom: z.string().nullable().openapi({ description: 'null = from the beginning of the number’s history' }),
  assignedUntil: z.string().nullable().openapi({ description: 'null = still assigned' }),
});

const PhoneNumberSchema = z
  .object({
    id: z.string(),
    e164: z.string(),
    label: z.string().nullable(),
    isActive: z.boolean(),
    provider: z.string().nullable(),
    lastSyncedAt: z.string().nullable(),
    assignments: z.array(AssignmentSchema),
  })
  .openapi('PhoneNumber');

const OrgParams = z.object({ orgId: UuidSchema });

/**
 * The audit of one new assignment. The org's entry (read by its admins) holds only the org's own facts;
 * which other orgs share the number goes into a platform-level entry (org_id null), for platform admins only.
 */
function assignmentAudit(orgId: string, result: AssignResult): AuditEntry[] {
  const { sharedWith, ...own } = result;
  const target = { targetType: 'phone_number', targetId: result.phoneNumberId };
  const entries: AuditEntry[] = [{ action: 'phone_number.assign', ...target, after: own }];
  if (sharedWith.length > 0) {
    entries.push({
      action: 'phone_number.share',
      orgId: null,
      ...target,
      after: { orgId, e164: result.e164, sharedWith },
    });
  }
  return entries;
}

export function registerPhoneNumberRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'platform:numbers',
      org: 'none',
      route: createRoute({
        method: 'get',
        path: '/api/admin/phone-numbers',
        tags,
        summary: 'The whole inventory with every assignment window (current and past)',
        responses: { 200: json(z.object({ phoneNumbers: z.array(PhoneNumberSchema) }), 'Inventory') },
      }),
    },
    async (c, ctx) => c.json({ phoneNumbers: await ctx.tenant((tx) => listPhoneNumbers(tx)) }, 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:numbers',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/admin/phone-numbers',
        tags,
        summary: 'Add a number to the inventory (any common format; stored as E.164)',
        request: {
          body: jsonBody(
            z.object({ number: z.string().min(1).max(40), label: z.string().max(200).optional() }).strict(),
          ),
        },
        responses: { 201: json(z.object({ phoneNumber: PhoneNumberSchema }), 'Created') },
      }),
    },
    async (c, ctx) => {
      const body = c.req.valid('json');
      const phoneNumber = await ctx.tenant(async (tx) => {
        const created = await createPhoneNumber(tx, body);
        await ctx.auditIn(tx, {
          action: 'phone_number.create',
          targetType: 'phone_number',
          targetId: created.id,
          after: created,
        });
        return created;
      });
      return c.json({ phoneNumber }, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:numbers',
      org: 'param',
      route: createRoute({
        method: 'post',
        path: '/api/admin/orgs/{orgId}/phone-numbers',
        tags,
        summary: 'Assign numbers to an org from a date (default: all of their history); never exclusive',
        request: {
          params: OrgParams,
          body: jsonBody(
            z
              .object({
                phoneNumberIds: z.array(UuidSchema).min(1).max(500),
                assignedFrom: InstantSchema().optional(),
              })
              .strict(),
          ),
        },
        responses: {
          200: json(
            z.object({
              assignments: z.array(
                z.object({
                  phoneNumberId: z.string(),
                  e164: z.string(),
                  outcome: z.enum(['assigned', 'already_assigned']),
                  assignedFrom: z.string().nullable(),
                  sharedWith: z.array(z.object({ orgId: z.string(), orgName: z.string() })),
                }),
              ),
            }),
            'One result per number',
          ),
        },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const actor = ctx.principal.kind === 'user' ? ctx.principal.userId : null;
      const assignments = await ctx.tenant(async (tx) => {
        const results = await assignNumbers(
          tx,
          orgId,
          body.phoneNumberIds,
          body.assignedFrom ? new Date(body.assignedFrom) : null,
          actor,
        );
        for (const r of results.filter((x) => x.outcome === 'assigned')) {
          for (const entry of assignmentAudit(orgId, r)) await ctx.auditIn(tx, entry);
        }
        return results;
      });
      return c.json({ assignments }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:numbers',
      org: 'param',
      route: createRoute({
        method: 'delete',
        path: '/api/admin/orgs/{orgId}/phone-numbers/{phoneNumberId}',
        tags,
        summary: 'Unassign: closes the window now; past calls stay with the org',
        request: { params: OrgParams.extend({ phoneNumberId: UuidSchema }) },
        responses: {
          200: json(
            z.object({
              assignment: z.object({
                phoneNumberId: z.string(),
                assignedFrom: z.string().nullable(),
                assignedUntil: z.string().nullable(),
              }),
            }),
            'The closed window',
          ),
        },
      }),
    },
    async (c, ctx) => {
      const { orgId, phoneNumberId } = c.req.valid('param');
      const actor = ctx.principal.kind === 'user' ? ctx.principal.userId : null;
      const assignment = await ctx.tenant(async (tx) => {
        const closed = await unassignNumber(tx, orgId, phoneNumberId, actor);
        await ctx.auditIn(tx, {
          action: 'phone_number.unassign',
          targetType: 'phone_number',
          targetId: phoneNumberId,
          after: closed,
        });
        return closed;
      });
      return c.json({ assignment }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'numbers:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/phone-numbers',
        tags,
        summary: "The org's numbers (current and past) with the org's own assignment windows",
        request: { params: OrgParams },
        responses: { 200: json(z.object({ phoneNumbers: z.array(PhoneNumberSchema) }), 'Numbers') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      return c.json({ phoneNumbers: await ctx.tenant((tx) => listPhoneNumbers(tx, { orgId })) }, 200);
    },
  );
}
