// The server API's types under the names the pages use, all derived from schema.gen.ts (generated from the OpenAPI
// document by `npm run api:types`): named components where the server names one, else an operation's own shapes.
// The .js suffix lets e2e (NodeNext resolution) read these types too; the import is erased from the bundle.
import type { components, paths } from './schema.gen.js';

type Schemas = components['schemas'];
type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
/** Paths that have an operation for `M`. */
export type PathWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends Record<M, object> ? P : never;
}[keyof paths];
type Operation<P extends PathWith<M>, M extends Method> = paths[P][M];
type SuccessStatus = 200 | 201 | 202 | 204;
type JsonContent<R> = R extends { content: { 'application/json': infer T } } ? T : undefined;

/** The JSON an operation answers with on success (`undefined` for 204 No Content). */
export type ResponseOf<P extends PathWith<M>, M extends Method> =
  Operation<P, M> extends { responses: infer R } ? JsonContent<R[keyof R & SuccessStatus]> : never;

/** The JSON body an operation takes. */
export type RequestBodyOf<P extends PathWith<M>, M extends Method> =
  Operation<P, M> extends { requestBody?: infer B } ? JsonContent<NonNullable<B>> : never;

type ItemOf<T> = T extends ReadonlyArray<infer I> ? I : never;

// Users, orgs and memberships
export type User = Schemas['User'];
/** A user in the admin list, with the orgs they belong to. */
export type UserListItem = Schemas['UserListItem'];
export type PlatformRole = User['platformRole'];
export type UserStatus = User['status'];
export type Me = Schemas['Me'];
/** An org the caller may see, with their role and what they may do there. */
export type Membership = ItemOf<Me['memberships']>;
export type Org = Schemas['Org'];
/** An org in the admin list, with its member count. */
export type OrgListItem = Schemas['OrgListItem'];
export type Member = Schemas['Member'];
export type OrgRole = Member['role'];
export type Invitation = Schemas['Invitation'];
export type InvitationStatus = Invitation['status'];
/** A new user's one-time sign-up link. */
export type Invite = Schemas['Invite'];
/** What adding a member takes: an email (or an existing user's id) and a role. */
export type NewMember = Schemas['AddMember'];
export type MemberChanges = Schemas['UpdateMember'];
/** Adding a member: the membership at once, or a pending invitation (with its link when not emailed). */
export type AddedMember = ResponseOf<'/api/orgs/{orgId}/members', 'post'>;

// API keys and audit
export type ApiKey = Schemas['ApiKey'];
export type CreatedKey = Schemas['CreatedApiKey'];
/** What creating a key takes: its name, scopes and optional expiry. */
export type NewApiKey = Schemas['CreateApiKey'];
export type ApiKeyScope = ItemOf<NewApiKey['scopes']>;
export type AuditEntry = Schemas['AuditEntry'];
export type AuditPage = ResponseOf<'/api/orgs/{orgId}/audit', 'get'>;

// The agency's portfolio: every org's today, last seven days and calls waiting now
export type Portfolio = Schemas['Portfolio'];
export type PortfolioOrg = Schemas['PortfolioOrg'];
export type PortfolioDay = Schemas['PortfolioDay'];

// Phone numbers
export type PhoneNumber = Schemas['PhoneNumber'];
export type NumberAssignment = ItemOf<PhoneNumber['assignments']>;
export type AssignResult = ItemOf<ResponseOf<'/api/admin/orgs/{orgId}/phone-numbers', 'post'>['assignments']>;

// Metrics
export type Range = Schemas['Range'];
export type Interval = Range['interval'];
export type Kpis = Schemas['Kpis'];
/** The figures of a range with the org and its service-level settings. */
export type KpiFigures = Schemas['KpiFigures'];
/** One of the figures that has a change vs the previous period (every KPI field but the org and settings). */
export type MetricField = keyof Schemas['KpiChange'];
export type Change = Schemas['Change'];
/** GET /api/client-metrics: the KPIs under their first-release snake_case names, kept for integrations. */
export type ClientMetrics = Schemas['ClientMetrics'];
export type Series = Schemas['Series'];
export type SeriesPoint = ItemOf<Series['points']>;
export type Heatmap = Schemas['Heatmap'];
export type HeatmapCell = ItemOf<Heatmap['cells']>;
export type QueueSummaryItem = ItemOf<Schemas['QueueSummary']['items']>;
export type AgentStats = ItemOf<Schemas['AgentBreakdown']['items']>;
export type NumberStats = ItemOf<Schemas['NumberBreakdown']['items']>;

// Calls
export type CallItem = Schemas['CallItem'];
export type CallDirection = CallItem['direction'];
export type CallStatus = CallItem['status'];
export type CallDetail = ResponseOf<'/api/calls/{callId}', 'get'>['call'];
export type CallPage = ResponseOf<'/api/calls', 'get'>;

// Live state
export type LiveSnapshot = Schemas['LiveSnapshot'];
export type LiveCall = ItemOf<LiveSnapshot['calls']>;
export type LiveAgent = ItemOf<LiveSnapshot['agents']>;

// MightyCall
export type MightyCallConnection = Schemas['MightyCallConnection'];
export type SyncStatus = MightyCallConnection['status'];
export type MightyCallHost = MightyCallConnection['host'];
export type MightyCallTestResult = Schemas['MightyCallTestResult'];
export type MightyCallStatus = Schemas['MightyCallStatus'];
export type MightyCallJob = ItemOf<MightyCallStatus['jobs']>;
export type MightyCallConnectionInput = RequestBodyOf<'/api/admin/mightycall/connections', 'post'>;

// Mail (the Sent mail page)
export type MailSummary = Schemas['MailSummary'];
export type MailMessage = Schemas['MailMessage'];
export type MailStatus = MailSummary['status'];

// Alerts
export type AlertRule = Schemas['AlertRule'];
export type AlertRuleInput = Schemas['AlertRuleInput'];
export type AlertKind = AlertRule['kind'];
export type AlertEvent = Schemas['AlertEvent'];
export type BusinessHoursRange = Schemas['BusinessHoursRange'];

// Reports
export type ReportSchedule = Schemas['ReportSchedule'];
export type ReportScheduleInput = Schemas['ReportScheduleInput'];
export type ReportFrequency = ReportSchedule['frequency'];
export type SentReport = Schemas['SentReport'];
