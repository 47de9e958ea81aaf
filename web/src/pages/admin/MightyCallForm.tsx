// The "connect a MightyCall account" form and the per-connection status dialog (jobs, quota, webhooks).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../../api/client';
import { mightycall } from '../../api/endpoints';
import type { MightyCallJob as Job, MightyCallHost } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Dialog } from '../../components/Dialog';
import { Field, SelectField } from '../../components/Field';
import { StatusPill } from '../../components/Pill';
import { ErrorState, Loading } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useToast } from '../../components/Toast';
import { useFormErrors } from '../../hooks/useFormErrors';
import { formatCount, formatDateTime } from '../../metrics/format';

const HOSTS = [
  { value: 'classic', label: 'MightyCall (api.mightycall.com)' },
  { value: 'contact-center', label: 'Contact Center (ccapi.mightycall.com)' },
  { value: 'custom', label: 'Custom URL (e.g. the simulator)' },
];
const CONNECT_FIELDS = ['name', 'host', 'baseUrl', 'apiKey', 'userKey', 'initialSyncDays'];

const refusedByMightyCall = (error: unknown) =>
  error instanceof ApiError && error.code === 'mightycall_credentials_refused';
const isHost = (v: string): v is MightyCallHost => v === 'classic' || v === 'contact-center' || v === 'custom';

/** New keys for a connection MightyCall refused: saving them resumes its sync. */
export function NewKeysForm({ id, name }: { id: string; name: string }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [apiKey, setApiKey] = useState('');
  const [userKey, setUserKey] = useState('');
  const save = useMutation({
    mutationFn: () => mightycall.update(id, { apiKey: apiKey.trim(), userKey: userKey.trim() }),
    onSuccess: () => {
      toast.success(`New keys saved for ${name}; its sync resumes.`);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'mightycall'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form className="form-grid" onSubmit={submit} aria-label={`New keys for ${name}`}>
      <Field
        label="New API key"
        type="password"
        autoComplete="off"
        required
        value={apiKey}
        onChange={(e) => setApiKey(e.target.value)}
      />
      <Field
        label="New user key"
        type="password"
        autoComplete="off"
        required
        value={userKey}
        onChange={(e) => setUserKey(e.target.value)}
      />
      <Button type="submit" busy={save.isPending} disabled={!apiKey.trim() || !userKey.trim()}>
        Save keys
      </Button>
      {save.error ? <ErrorState error={save.error} title="Keys not saved." /> : null}
    </form>
  );
}

export function ConnectForm() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState('');
  const [host, setHost] = useState<MightyCallHost>('classic');
  const [baseUrl, setBaseUrl] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [userKey, setUserKey] = useState('');
  const [days, setDays] = useState('1');
  const create = useMutation({
    mutationFn: () =>
      mightycall.create({
        name: name.trim(),
        host,
        apiKey: apiKey.trim(),
        userKey: userKey.trim(),
        initialSyncDays: Number(days),
        ...(host === 'custom' ? { baseUrl: baseUrl.trim() } : {}),
      }),
    onSuccess: ({ connection, check }) => {
      // The server saved it after MightyCall accepted the keys, or (unreachable) without knowing yet.
      if (check.ok)
        toast.success(`Connected “${connection.name}”: ${check.message} Paste its webhook URL into MightyCall.`);
      else toast.error(new Error(check.message), `Saved “${connection.name}”, but not connected yet`);
      setName('');
      setApiKey('');
      setUserKey('');
      void queryClient.invalidateQueries({ queryKey: ['admin', 'mightycall'] });
    },
  });
  const errors = useFormErrors(create.error);
  return (
    <Card title="Connect an account" subtitle="Keys are stored encrypted and never shown again">
      <form className="form-grid" onSubmit={errors.submit(() => create.mutate())} {...errors.formProps}>
        <Field
          label="Name"
          required
          maxLength={200}
          value={name}
          onChange={(e) => setName(e.target.value)}
          {...errors.props('name')}
        />
        <SelectField
          label="Service"
          {...errors.props('host')}
          value={host}
          options={HOSTS}
          onChange={(e) => isHost(e.target.value) && setHost(e.target.value)}
        />
        {host === 'custom' ? (
          <Field
            label="Base URL"
            type="url"
            required
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
            {...errors.props('baseUrl')}
          />
        ) : null}
        <Field
          label="API key"
          type="password"
          autoComplete="off"
          required
          maxLength={500}
          {...errors.props('apiKey')}
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
        />
        <Field
          label="User key"
          type="password"
          autoComplete="off"
          required
          maxLength={500}
          {...errors.props('userKey')}
          value={userKey}
          hint="Integrations → API → User key"
          onChange={(e) => setUserKey(e.target.value)}
        />
        <Field
          label="History to import (days)"
          type="number"
          required
          min={0}
          max={90}
          {...errors.props('initialSyncDays')}
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />
        <Button
          type="submit"
          variant="primary"
          busy={create.isPending}
          disabled={!name.trim() || !apiKey.trim() || !userKey.trim()}
        >
          Connect
        </Button>
      </form>
      {/* MightyCall's own words for refused keys stay in view beside the marks under both key fields. */}
      <ErrorState
        error={refusedByMightyCall(create.error) ? new Error(create.error?.message) : errors.rest(CONNECT_FIELDS)}
        title="Not connected."
      />
    </Card>
  );
}

const jobColumns: Column<Job>[] = [
  { key: 'job', header: 'Job', cell: (j) => j.job },
  { key: 'status', header: 'Status', cell: (j) => <StatusPill status={j.status} /> },
  { key: 'last', header: 'Last success', cell: (j) => formatDateTime(j.lastSuccessAt) },
  { key: 'rows', header: 'Rows', numeric: true, cell: (j) => formatCount(j.lastRows) },
  { key: 'next', header: 'Next run', cell: (j) => formatDateTime(j.nextRunAt) },
  { key: 'error', header: 'Last error', wrap: true, cell: (j) => j.lastError ?? '—' },
];

export function StatusDialog({ id, onClose }: { id: string | null; onClose: () => void }) {
  const status = useQuery({
    queryKey: ['admin', 'mightycall', 'status', id],
    queryFn: () => mightycall.status(id ?? ''),
    enabled: id !== null,
    refetchInterval: 5000,
  });
  const s = status.data;
  return (
    <Dialog
      open={id !== null}
      title={s ? `${s.connection.name} — status` : 'Connection status'}
      onClose={onClose}
      actions={<Button onClick={onClose}>Close</Button>}
    >
      {status.isPending ? <Loading /> : null}
      {status.error ? <ErrorState error={status.error} onRetry={() => status.refetch()} /> : null}
      {s ? (
        <>
          <dl className="definition-list">
            <dt>Quota (24 h)</dt>
            <dd>
              {formatCount(s.quota.used)} of {formatCount(s.quota.limit)} used; {formatCount(s.quota.syncRemaining)}{' '}
              left for sync
              {s.quota.blockedUntil ? `; paused until ${formatDateTime(s.quota.blockedUntil)}` : ''}
            </dd>
            <dt>Webhooks</dt>
            <dd>
              {formatCount(s.webhooks.received24h)} in 24 h, {formatCount(s.webhooks.pending)} pending, last{' '}
              {formatDateTime(s.webhooks.lastReceivedAt)}
            </dd>
            <dt>Webhook URL</dt>
            <dd className="mono">{s.webhookUrl}</dd>
          </dl>
          <Table
            caption="Sync jobs"
            columns={jobColumns}
            rows={s.jobs}
            rowKey={(j) => j.job}
            empty="No sync has run yet."
          />
        </>
      ) : null}
    </Dialog>
  );
}
