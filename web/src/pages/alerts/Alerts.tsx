// An org's alerts: its rules (firing now or not; add, edit, delete for org admins), business hours, webhook and the
// history of fired and resolved alerts. Managers read it all but the webhook; agents do not see the page.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { alerts } from '../../api/endpoints';
import type { AlertEvent, AlertKind, AlertRule, AlertRuleInput } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/Dialog';
import { Checkbox, Field, SelectField } from '../../components/Field';
import { OrgPageHeader } from '../../components/OrgPageHeader';
import { Pill } from '../../components/Pill';
import { EditAndRemove } from '../../components/RowActions';
import { ErrorState } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useToast } from '../../components/Toast';
import { useCurrentOrg } from '../../hooks/org';
import { can, useMe } from '../../hooks/session';
import { useFormErrors } from '../../hooks/useFormErrors';
import { formatDateTime } from '../../metrics/format';
import { Forbidden } from '../Errors';
import { BusinessHours } from './BusinessHours';
import { Webhook } from './Webhook';

const REFRESH_MS = 10_000;

const KINDS: Array<{ value: AlertKind; label: string; threshold: string; windowed: boolean }> = [
  { value: 'service_level_below', label: 'Service level below', threshold: 'Below (%)', windowed: true },
  { value: 'calls_waiting', label: 'Calls waiting', threshold: 'At least (calls)', windowed: false },
  { value: 'longest_wait', label: 'Longest wait', threshold: 'At least (seconds)', windowed: false },
  { value: 'missed_calls', label: 'Missed calls', threshold: 'At least (calls)', windowed: true },
  { value: 'no_inbound', label: 'No inbound call (business hours)', threshold: '', windowed: true },
];
const kindOf = (kind: AlertKind) => KINDS.find((k) => k.value === kind) ?? (KINDS[0] as (typeof KINDS)[number]);

/** The rule's condition in words (docs/alerts.md has the exact meanings). */
export function describeRule(r: Pick<AlertRule, 'kind' | 'threshold' | 'windowMinutes' | 'minCalls'>): string {
  const w = r.windowMinutes ?? 0;
  switch (r.kind) {
    case 'service_level_below':
      return `Service level below ${r.threshold} % over ${w} min${r.minCalls ? ` (at least ${r.minCalls} calls)` : ''}`;
    case 'calls_waiting':
      return `${r.threshold} or more calls waiting`;
    case 'longest_wait':
      return `A caller waiting ${r.threshold} s or longer`;
    case 'missed_calls':
      return `${r.threshold} or more missed calls within ${w} min`;
    case 'no_inbound':
      return `No inbound call for ${w} min during business hours`;
  }
}

interface Draft {
  name: string;
  kind: AlertKind;
  threshold: string;
  windowMinutes: string;
  minCalls: string;
  recipients: string;
  enabled: boolean;
}

const EMPTY: Draft = {
  name: '',
  kind: 'calls_waiting',
  threshold: '3',
  windowMinutes: '30',
  minCalls: '',
  recipients: '',
  enabled: true,
};

function draftOf(r: AlertRule): Draft {
  return {
    name: r.name,
    kind: r.kind,
    threshold: String(r.threshold),
    windowMinutes: r.windowMinutes === null ? '30' : String(r.windowMinutes),
    minCalls: r.minCalls === null ? '' : String(r.minCalls),
    recipients: r.recipients.join(', '),
    enabled: r.enabled,
  };
}

function inputOf(d: Draft): AlertRuleInput {
  const windowed = kindOf(d.kind).windowed;
  return {
    name: d.name.trim(),
    kind: d.kind,
    threshold: d.kind === 'no_inbound' ? 0 : Number(d.threshold),
    windowMinutes: windowed ? Number(d.windowMinutes) : null,
    minCalls: d.kind === 'service_level_below' && d.minCalls !== '' ? Number(d.minCalls) : null,
    enabled: d.enabled,
    recipients: d.recipients
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean),
    notifyEmail: true,
    notifyWebhook: true,
  };
}

function RuleForm({ orgId, editing, onDone }: { orgId: string; editing: AlertRule | null; onDone: () => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [draft, setDraft] = useState<Draft>(editing ? draftOf(editing) : EMPTY);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const save = useMutation({
    mutationFn: () =>
      editing ? alerts.updateRule(orgId, editing.id, inputOf(draft)) : alerts.createRule(orgId, inputOf(draft)),
    onSuccess: (result) => {
      toast.success(editing ? `Rule “${result.rule.name}” saved.` : `Rule “${result.rule.name}” created.`);
      setDraft(EMPTY);
      void queryClient.invalidateQueries({ queryKey: ['alert-rules', orgId] });
      onDone();
    },
  });
  const errors = useFormErrors(save.error);
  const kind = kindOf(draft.kind);
  return (
    <form
      className="form-grid"
      aria-label={editing ? `Edit rule ${editing.name}` : 'Add an alert rule'}
      onSubmit={errors.submit(() => save.mutate())}
      {...errors.formProps}
    >
      <Field
        label="Name"
        required
        maxLength={120}
        value={draft.name}
        {...errors.props('name')}
        onChange={(e) => set({ name: e.target.value })}
      />
      <SelectField
        label="Condition"
        value={draft.kind}
        options={KINDS.map((k) => ({ value: k.value, label: k.label }))}
        {...errors.props('kind')}
        onChange={(e) => set({ kind: e.target.value as AlertKind })}
      />
      {draft.kind === 'no_inbound' ? null : (
        <Field
          label={kind.threshold}
          type="number"
          required
          min={draft.kind === 'service_level_below' ? 0 : 1}
          max={draft.kind === 'service_level_below' ? 100 : 1_000_000}
          step="any"
          value={draft.threshold}
          {...errors.props('threshold')}
          onChange={(e) => set({ threshold: e.target.value })}
        />
      )}
      {kind.windowed ? (
        <Field
          label={draft.kind === 'no_inbound' ? 'For (minutes)' : 'Over the last (minutes)'}
          type="number"
          required
          min={1}
          max={1440}
          value={draft.windowMinutes}
          {...errors.props('windowMinutes')}
          onChange={(e) => set({ windowMinutes: e.target.value })}
        />
      ) : null}
      {draft.kind === 'service_level_below' ? (
        <Field
          label="Minimum calls (optional)"
          type="number"
          min={0}
          max={100000}
          value={draft.minCalls}
          {...errors.props('minCalls')}
          onChange={(e) => set({ minCalls: e.target.value })}
        />
      ) : null}
      <Field
        label="Email to (optional)"
        hint="Comma-separated; empty: the org's admins and managers"
        value={draft.recipients}
        {...errors.props('recipients')}
        onChange={(e) => set({ recipients: e.target.value })}
      />
      <Checkbox label="Enabled" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
      <div className="row">
        <Button type="submit" variant="primary" busy={save.isPending} disabled={!draft.name.trim()}>
          {editing ? 'Save rule' : 'Add rule'}
        </Button>
        {editing ? (
          <Button type="button" onClick={onDone}>
            Cancel
          </Button>
        ) : null}
      </div>
      <ErrorState
        error={errors.rest(['name', 'kind', 'threshold', 'windowMinutes', 'minCalls', 'recipients'])}
        title="The rule was not saved."
      />
    </form>
  );
}

function Rules({ orgId, timeZone, canWrite }: { orgId: string; timeZone: string; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const rules = useQuery({
    queryKey: ['alert-rules', orgId],
    queryFn: () => alerts.rules(orgId),
    refetchInterval: REFRESH_MS,
  });
  const [editing, setEditing] = useState<AlertRule | null>(null);
  const [deleting, setDeleting] = useState<AlertRule | null>(null);
  const remove = useMutation({
    mutationFn: (r: AlertRule) => alerts.deleteRule(orgId, r.id),
    onSuccess: (_r, rule) => {
      setDeleting(null);
      toast.success(`Rule “${rule.name}” deleted.`);
      void queryClient.invalidateQueries({ queryKey: ['alert-rules', orgId] });
    },
  });
  const columns: Column<AlertRule>[] = [
    { key: 'name', header: 'Rule', cell: (r) => r.name, sortValue: (r) => r.name },
    { key: 'condition', header: 'Condition', wrap: true, cell: (r) => describeRule(r) },
    {
      key: 'state',
      header: 'State',
      cell: (r) =>
        !r.enabled ? <Pill>off</Pill> : r.firing ? <Pill tone="bad">firing</Pill> : <Pill tone="good">ok</Pill>,
      sortValue: (r) => (r.firing ? 1 : 0),
    },
    {
      key: 'since',
      header: 'Firing since',
      cell: (r) => (r.firingSince ? formatDateTime(r.firingSince, timeZone) : '—'),
    },
    { key: 'value', header: 'Last value', numeric: true, cell: (r) => (r.lastValue === null ? '—' : r.lastValue) },
    ...(canWrite
      ? [
          {
            key: 'actions',
            header: <span className="visually-hidden">Actions</span>,
            cell: (r: AlertRule) => (
              <EditAndRemove
                name={r.name}
                remove="Delete"
                onEdit={() => setEditing(r)}
                onRemove={() => {
                  remove.reset();
                  setDeleting(r);
                }}
              />
            ),
          },
        ]
      : []),
  ];
  return (
    <Card
      title="Rules"
      subtitle="Evaluated every few seconds; each alert is sent once when it fires and once when it resolves"
    >
      <div className="stack">
        <Table
          caption="Alert rules"
          testId="alert-rules-table"
          columns={columns}
          rows={rules.data?.rules}
          rowKey={(r) => r.id}
          isLoading={rules.isLoading}
          error={rules.error}
          onRetry={() => rules.refetch()}
          empty="No alert rules yet."
        />
        {canWrite ? (
          <RuleForm key={editing?.id ?? 'new'} orgId={orgId} editing={editing} onDone={() => setEditing(null)} />
        ) : null}
      </div>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this rule?"
        message={`“${deleting?.name}” stops alerting. Its history stays.`}
        confirmLabel="Delete rule"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      />
    </Card>
  );
}

function History({ orgId, timeZone }: { orgId: string; timeZone: string }) {
  const history = useQuery({
    queryKey: ['alert-history', orgId],
    queryFn: () => alerts.history(orgId),
    refetchInterval: REFRESH_MS,
  });
  const columns: Column<AlertEvent>[] = [
    { key: 'rule', header: 'Rule', cell: (e) => e.ruleName, sortValue: (e) => e.ruleName },
    { key: 'condition', header: 'Condition', wrap: true, cell: (e) => describeRule({ ...e, minCalls: null }) },
    {
      key: 'fired',
      header: 'Fired at',
      cell: (e) => formatDateTime(e.firedAt, timeZone),
      sortValue: (e) => e.firedAt,
    },
    { key: 'value', header: 'Value', numeric: true, cell: (e) => (e.firedValue === null ? '—' : e.firedValue) },
    {
      key: 'resolved',
      header: 'Resolved at',
      cell: (e) => (e.resolvedAt ? formatDateTime(e.resolvedAt, timeZone) : <Pill tone="bad">firing</Pill>),
      sortValue: (e) => e.resolvedAt,
    },
  ];
  return (
    <Card title="History" subtitle="Fired and resolved alerts, newest first">
      <Table
        caption="Alert history"
        testId="alert-history-table"
        columns={columns}
        rows={history.data?.events}
        rowKey={(e) => e.id}
        isLoading={history.isLoading}
        error={history.error}
        onRetry={() => history.refetch()}
        empty="No alert has fired yet."
      />
    </Card>
  );
}

export default function Alerts() {
  const { org } = useCurrentOrg();
  const { data: me } = useMe();
  if (!can(me, org.id, 'alerts:read')) return <Forbidden what="Alerts" />;
  const canWrite = can(me, org.id, 'alerts:write');
  return (
    <div className="stack">
      <OrgPageHeader title="Alerts" org={org} />
      <Rules orgId={org.id} timeZone={org.timezone} canWrite={canWrite} />
      <History orgId={org.id} timeZone={org.timezone} />
      <BusinessHours orgId={org.id} canWrite={canWrite} />
      {canWrite ? <Webhook orgId={org.id} /> : null}
    </div>
  );
}
