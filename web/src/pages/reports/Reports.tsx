// An org's scheduled reports: the schedules (add, edit, delete for org admins), "Send now" (a preview of the latest
// period to yourself) and the reports sent. Managers read and preview; agents do not see the page.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { orgs, reports } from '../../api/endpoints';
import type { ReportFrequency, ReportSchedule, ReportScheduleInput, SentReport } from '../../api/types';
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

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const FREQUENCIES: Array<{ value: ReportFrequency; label: string }> = [
  { value: 'daily', label: 'Daily (the day before)' },
  { value: 'weekly', label: 'Weekly (the 7 days before)' },
  { value: 'monthly', label: 'Monthly (the month before)' },
];

/** "Weekly on Monday at 08:00", "Monthly on day 31 at 09:30" (the last day in shorter months). */
export function describeSchedule(s: Pick<ReportSchedule, 'frequency' | 'weekday' | 'monthDay' | 'time'>): string {
  if (s.frequency === 'weekly') return `Weekly on ${WEEKDAYS[(s.weekday ?? 1) - 1]} at ${s.time}`;
  if (s.frequency === 'monthly') {
    const last = (s.monthDay ?? 1) > 28 ? ' (or the month’s last day)' : '';
    return `Monthly on day ${s.monthDay}${last} at ${s.time}`;
  }
  return `Daily at ${s.time}`;
}

interface Draft {
  name: string;
  frequency: ReportFrequency;
  weekday: string;
  monthDay: string;
  time: string;
  members: string[];
  emails: string;
  enabled: boolean;
}

const EMPTY: Draft = {
  name: 'Weekly summary',
  frequency: 'weekly',
  weekday: '1',
  monthDay: '1',
  time: '08:00',
  members: [],
  emails: '',
  enabled: true,
};

const draftOf = (s: ReportSchedule): Draft => ({
  name: s.name,
  frequency: s.frequency,
  weekday: String(s.weekday ?? 1),
  monthDay: String(s.monthDay ?? 1),
  time: s.time,
  members: s.recipientUserIds,
  emails: s.recipientEmails.join(', '),
  enabled: s.enabled,
});

const inputOf = (d: Draft): ReportScheduleInput => ({
  name: d.name.trim(),
  frequency: d.frequency,
  weekday: d.frequency === 'weekly' ? Number(d.weekday) : null,
  monthDay: d.frequency === 'monthly' ? Number(d.monthDay) : null,
  time: d.time,
  recipientUserIds: d.members,
  recipientEmails: d.emails
    .split(/[,\s]+/)
    .map((e) => e.trim())
    .filter(Boolean),
  enabled: d.enabled,
});

function ScheduleForm({
  orgId,
  editing,
  onDone,
}: {
  orgId: string;
  editing: ReportSchedule | null;
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => orgs.members(orgId) });
  const [draft, setDraft] = useState<Draft>(editing ? draftOf(editing) : EMPTY);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const save = useMutation({
    mutationFn: () =>
      editing ? reports.update(orgId, editing.id, inputOf(draft)) : reports.create(orgId, inputOf(draft)),
    onSuccess: (result) => {
      toast.success(
        editing ? `Report “${result.schedule.name}” saved.` : `Report “${result.schedule.name}” scheduled.`,
      );
      setDraft(EMPTY);
      void queryClient.invalidateQueries({ queryKey: ['report-schedules', orgId] });
      onDone();
    },
  });
  const errors = useFormErrors(save.error);
  const membersError = errors.field('recipientUserIds');
  const active = (members.data?.members ?? []).filter((m) => m.status !== 'disabled');
  const toggleMember = (userId: string, on: boolean) =>
    set({ members: on ? [...draft.members, userId] : draft.members.filter((id) => id !== userId) });
  return (
    <form
      className="form-grid"
      aria-label={editing ? `Edit report ${editing.name}` : 'Schedule a report'}
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
        label="Frequency"
        value={draft.frequency}
        options={FREQUENCIES}
        {...errors.props('frequency')}
        onChange={(e) => set({ frequency: e.target.value as ReportFrequency })}
      />
      {draft.frequency === 'weekly' ? (
        <SelectField
          label="Day of the week"
          value={draft.weekday}
          options={WEEKDAYS.map((day, i) => ({ value: String(i + 1), label: day }))}
          {...errors.props('weekday')}
          onChange={(e) => set({ weekday: e.target.value })}
        />
      ) : null}
      {draft.frequency === 'monthly' ? (
        <Field
          label="Day of the month"
          hint="29–31: the last day in shorter months"
          type="number"
          required
          min={1}
          max={31}
          value={draft.monthDay}
          {...errors.props('monthDay')}
          onChange={(e) => set({ monthDay: e.target.value })}
        />
      ) : null}
      <Field
        label="Time (org time zone)"
        type="time"
        required
        value={draft.time}
        {...errors.props('time')}
        onChange={(e) => set({ time: e.target.value })}
      />
      <fieldset className="stack" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend>Members to send to</legend>
        {members.isError ? (
          <ErrorState error={members.error} title="Could not load the members." onRetry={() => members.refetch()} />
        ) : members.isPending ? (
          <p>Loading members…</p>
        ) : active.length === 0 ? (
          <p>No members yet.</p>
        ) : (
          active.map((m) => (
            <Checkbox
              key={m.userId}
              label={`${m.displayName} (${m.email})`}
              checked={draft.members.includes(m.userId)}
              onChange={(e) => toggleMember(m.userId, e.target.checked)}
            />
          ))
        )}
        {membersError ? (
          <p className="field-error" role="alert">
            {membersError}
          </p>
        ) : null}
      </fieldset>
      <Field
        label="Other addresses (optional)"
        hint="Comma-separated, at most 20"
        value={draft.emails}
        {...errors.props('recipientEmails')}
        onChange={(e) => set({ emails: e.target.value })}
      />
      <Checkbox label="Enabled" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
      <div className="row">
        <Button type="submit" variant="primary" busy={save.isPending} disabled={!draft.name.trim()}>
          {editing ? 'Save report' : 'Schedule report'}
        </Button>
        {editing ? (
          <Button type="button" onClick={onDone}>
            Cancel
          </Button>
        ) : null}
      </div>
      <ErrorState
        error={errors.rest(['name', 'frequency', 'weekday', 'monthDay', 'time', 'recipientUserIds', 'recipientEmails'])}
        title="The report was not saved."
      />
    </form>
  );
}

function Schedules({ orgId, timeZone, canWrite }: { orgId: string; timeZone: string; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const schedules = useQuery({ queryKey: ['report-schedules', orgId], queryFn: () => reports.schedules(orgId) });
  const [editing, setEditing] = useState<ReportSchedule | null>(null);
  const [deleting, setDeleting] = useState<ReportSchedule | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (s: ReportSchedule) => reports.remove(orgId, s.id),
    onSuccess: (_r, s) => {
      setDeleting(null);
      toast.success(`Report “${s.name}” deleted.`);
      void queryClient.invalidateQueries({ queryKey: ['report-schedules', orgId] });
    },
  });
  const sendNow = useMutation({
    mutationFn: (s: ReportSchedule) => reports.sendNow(orgId, s.id),
    onSuccess: (result, s) => {
      const text = `Preview of “${s.name}” sent to ${result.sentTo}.`;
      setSent(text);
      toast.success(text);
      void queryClient.invalidateQueries({ queryKey: ['report-history', orgId] });
    },
  });
  const columns: Column<ReportSchedule>[] = [
    { key: 'name', header: 'Report', cell: (s) => s.name, sortValue: (s) => s.name },
    { key: 'when', header: 'Schedule', wrap: true, cell: (s) => describeSchedule(s) },
    {
      key: 'to',
      header: 'Recipients',
      numeric: true,
      cell: (s) => s.recipientUserIds.length + s.recipientEmails.length,
    },
    {
      key: 'next',
      header: 'Next send',
      cell: (s) => (s.enabled && s.nextSendAt ? formatDateTime(s.nextSendAt, timeZone) : <Pill>off</Pill>),
    },
    {
      key: 'send',
      header: <span className="visually-hidden">Send now</span>,
      cell: (s) => (
        <Button
          busy={sendNow.isPending && sendNow.variables?.id === s.id}
          onClick={() => sendNow.mutate(s)}
          aria-label={`Send now: ${s.name}, to yourself`}
        >
          Send now
        </Button>
      ),
    },
    ...(canWrite
      ? [
          {
            key: 'actions',
            header: <span className="visually-hidden">Actions</span>,
            cell: (s: ReportSchedule) => (
              <EditAndRemove
                name={s.name}
                remove="Delete"
                onEdit={() => setEditing(s)}
                onRemove={() => {
                  remove.reset();
                  setDeleting(s);
                }}
              />
            ),
          },
        ]
      : []),
  ];
  return (
    <Card
      title="Schedules"
      subtitle="Each report is sent once per period at its local time; Send now mails a preview of its latest period to you"
    >
      <div className="stack">
        {sent ? (
          <p role="status" data-testid="report-sent">
            {sent}
          </p>
        ) : null}
        <ErrorState error={sendNow.error} title="The preview was not sent." />
        <Table
          caption="Report schedules"
          testId="report-schedules-table"
          columns={columns}
          rows={schedules.data?.schedules}
          rowKey={(s) => s.id}
          isLoading={schedules.isLoading}
          error={schedules.error}
          onRetry={() => schedules.refetch()}
          empty="No reports scheduled yet."
        />
        {canWrite ? (
          <ScheduleForm key={editing?.id ?? 'new'} orgId={orgId} editing={editing} onDone={() => setEditing(null)} />
        ) : null}
      </div>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this report?"
        message={`“${deleting?.name}” is no longer sent. Reports already sent stay below.`}
        confirmLabel="Delete report"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      />
    </Card>
  );
}

const STATUS_TONE: Record<SentReport['status'], 'good' | 'bad' | undefined> = {
  sent: 'good',
  captured: 'good',
  failed: 'bad',
  queued: undefined,
};

function History({ orgId, timeZone }: { orgId: string; timeZone: string }) {
  const history = useQuery({
    queryKey: ['report-history', orgId],
    queryFn: () => reports.history(orgId),
    refetchInterval: 10_000,
  });
  const columns: Column<SentReport>[] = [
    { key: 'subject', header: 'Subject', wrap: true, cell: (r) => r.subject },
    { key: 'to', header: 'To', cell: (r) => r.to },
    {
      key: 'created',
      header: 'Queued at',
      cell: (r) => formatDateTime(r.createdAt, timeZone),
      sortValue: (r) => r.createdAt,
    },
    { key: 'status', header: 'Status', cell: (r) => <Pill tone={STATUS_TONE[r.status]}>{r.status}</Pill> },
  ];
  return (
    <Card title="Sent reports" subtitle="Newest first, previews included">
      <Table
        caption="Sent reports"
        testId="report-history-table"
        columns={columns}
        rows={history.data?.reports}
        rowKey={(r) => r.id}
        isLoading={history.isLoading}
        error={history.error}
        onRetry={() => history.refetch()}
        empty="No report has been sent yet."
      />
    </Card>
  );
}

export default function Reports() {
  const { org } = useCurrentOrg();
  const { data: me } = useMe();
  if (!can(me, org.id, 'reports:read')) return <Forbidden what="Reports" />;
  const canWrite = can(me, org.id, 'reports:write');
  return (
    <div className="stack">
      <OrgPageHeader title="Reports" org={org} />
      <Schedules orgId={org.id} timeZone={org.timezone} canWrite={canWrite} />
      <History orgId={org.id} timeZone={org.timezone} />
    </div>
  );
}
