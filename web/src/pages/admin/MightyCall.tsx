// Platform admin: MightyCall connections (add, test, sync now, status, quota, webhook URL); "not available" on 404.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isNotFound } from '../../api/client';
import { mightycall } from '../../api/endpoints';
import type { MightyCallConnection } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { CopyButton } from '../../components/CopyButton';
import { ConfirmDialog } from '../../components/Dialog';
import { Pill, StatusPill } from '../../components/Pill';
import { EmptyState, ErrorState, Loading, Notice } from '../../components/States';
import { useToast } from '../../components/Toast';
import { formatCount, formatDateTime } from '../../metrics/format';
import { ConnectForm, NewKeysForm, StatusDialog } from './MightyCallForm';

export default function AdminMightyCall() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const list = useQuery({ queryKey: ['admin', 'mightycall'], queryFn: mightycall.list, refetchInterval: 15_000 });
  const [statusOf, setStatusOf] = useState<string | null>(null);
  const [removing, setRemoving] = useState<MightyCallConnection | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin', 'mightycall'] });

  const test = useMutation({
    mutationFn: (c: MightyCallConnection) => mightycall.test(c.id),
    onSuccess: (r, c) => {
      if (r.ok) toast.success(`${c.name}: ${r.message}`);
      else toast.error(new Error(r.message), c.name);
      // A refusal stops the connection's sync, a pass resumes it: the card shows which.
      void refresh();
    },
    onError: (e, c) => toast.error(e, `Testing ${c.name} failed`),
  });
  const sync = useMutation({
    mutationFn: (c: MightyCallConnection) => mightycall.sync(c.id),
    onSuccess: (r, c) => {
      toast.success(`${c.name}: sync requested (${r.requested.join(', ')}).`);
      void refresh();
    },
    onError: (e, c) => toast.error(e, `Sync of ${c.name} not started`),
  });
  const toggle = useMutation({
    mutationFn: (c: MightyCallConnection) => mightycall.update(c.id, { enabled: !c.enabled }),
    onSuccess: () => void refresh(),
    onError: (e, c) => toast.error(e, `${c.name} not changed`),
  });
  const remove = useMutation({
    mutationFn: (c: MightyCallConnection) => mightycall.remove(c.id),
    onSuccess: (_r, c) => {
      toast.success(`${c.name} disconnected.`);
      setRemoving(null);
      void refresh();
    },
  });

  const card = (c: MightyCallConnection) => (
    <Card
      key={c.id}
      title={c.name}
      subtitle={`Account ${c.accountId} · ${c.baseUrl}`}
      actions={
        c.credentialsRefused ? (
          <Pill tone="bad">needs new keys</Pill>
        ) : c.enabled ? (
          <StatusPill status={c.status} />
        ) : (
          <Pill>disabled</Pill>
        )
      }
    >
      <div className="stack" data-testid="mightycall-connection">
        {c.credentialsRefused ? (
          <div className="state-error" role="alert" data-testid="credentials-refused">
            <p>
              <strong>MightyCall refused this account’s keys</strong> ({formatDateTime(c.credentialsRefused.at)}):{' '}
              {c.credentialsRefused.message} Its sync is stopped, spending no quota, until new keys are saved here or a
              test passes.
            </p>
            <NewKeysForm id={c.id} name={c.name} />
          </div>
        ) : null}
        <dl className="definition-list">
          <dt>Last sync</dt>
          <dd>{formatDateTime(c.lastSyncAt)}</dd>
          <dt>Quota used (24 h)</dt>
          <dd>
            {formatCount(c.quotaUsed)} of {formatCount(c.quotaLimit)} requests
          </dd>
          <dt>Webhook URL</dt>
          <dd>
            <span className="row">
              <code>{c.webhookUrl}</code>
              <CopyButton text={c.webhookUrl} label={`Copy the webhook URL of ${c.name}`} />
            </span>
            <span className="field-hint">Paste into MightyCall → Integrations → API → Webhooks.</span>
          </dd>
          <dt>Last error</dt>
          <dd>{c.lastError ?? '—'}</dd>
        </dl>
        <div className="row">
          <Button small onClick={() => test.mutate(c)} busy={test.isPending && test.variables?.id === c.id}>
            Test credentials
          </Button>
          <Button
            small
            onClick={() => sync.mutate(c)}
            disabled={!c.enabled || c.credentialsRefused !== null}
            busy={sync.isPending && sync.variables?.id === c.id}
          >
            Sync now
          </Button>
          <Button small onClick={() => setStatusOf(c.id)}>
            Status
          </Button>
          <Button small onClick={() => toggle.mutate(c)}>
            {c.enabled ? 'Disable' : 'Enable'}
          </Button>
          <Button
            small
            variant="danger"
            onClick={() => {
              remove.reset();
              setRemoving(c);
            }}
          >
            Disconnect…
          </Button>
        </div>
      </div>
    </Card>
  );

  if (isNotFound(list.error)) {
    return (
      <div className="stack">
        <header className="page-header">
          <h1>MightyCall connections</h1>
        </header>
        <Notice>
          <strong>Not available on this server.</strong> The MightyCall connections API answered 404, so connections
          cannot be listed or managed here yet. Calls can still be imported through the API (see the API docs).
        </Notice>
      </div>
    );
  }
  return (
    <div className="stack">
      <header className="page-header">
        <h1>MightyCall connections</h1>
      </header>
      <ConnectForm />
      {list.error ? <ErrorState error={list.error} onRetry={() => list.refetch()} /> : null}
      {list.isLoading ? <Loading label="Loading connections…" /> : null}
      {list.data?.connections.length === 0 ? (
        <EmptyState>No MightyCall account connected yet: connect one above.</EmptyState>
      ) : null}
      {list.data?.connections.map(card)}
      <StatusDialog id={statusOf} onClose={() => setStatusOf(null)} />
      <ConfirmDialog
        open={removing !== null}
        title={`Disconnect ${removing?.name}?`}
        message="Syncing and webhooks for this account stop. Numbers and calls already imported stay."
        confirmLabel="Disconnect"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => removing && remove.mutate(removing)}
        onClose={() => setRemoving(null)}
      />
    </div>
  );
}
