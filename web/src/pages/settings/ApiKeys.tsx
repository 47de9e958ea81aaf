// API keys panel (org keys and platform keys): create → the key shown once with Copy, list, revoke with confirmation.
import { type QueryKey, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApiKey, ApiKeyScope, CreatedKey, NewApiKey } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { Checkbox, Field } from '../../components/Field';
import { Pill } from '../../components/Pill';
import { ErrorState } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useToast } from '../../components/Toast';
import { useFormErrors } from '../../hooks/useFormErrors';
import { formatDateTime } from '../../metrics/format';

const KEY_FIELDS = ['name', 'expiresAt', 'scopes'];

export interface ApiKeysPanelProps {
  title: string;
  queryKey: QueryKey;
  list: () => Promise<{ apiKeys: ApiKey[] }>;
  create: (body: NewApiKey) => Promise<CreatedKey>;
  revoke: (keyId: string) => Promise<void>;
  scopes: ApiKeyScope[];
  timeZone?: string;
}

const STATUS_TONE = { active: 'good', expired: 'neutral', revoked: 'bad' } as const;

function CreatedKeyDialog({ created, onClose }: { created: CreatedKey | null; onClose: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <Dialog
      open={created !== null}
      title="Your new API key"
      testId="created-key-dialog"
      onClose={() => {
        setCopied(null);
        onClose();
      }}
      actions={
        <Button
          variant="primary"
          onClick={() => {
            setCopied(null);
            onClose();
          }}
        >
          I have stored it safely
        </Button>
      }
    >
      <p>This is the only time the full key is shown. Copy it now and keep it somewhere safe.</p>
      <div className="secret">
        <code data-testid="created-key">{created?.key}</code>
        <Button small onClick={copy}>
          Copy
        </Button>
      </div>
      {copied === 'yes' ? (
        <p role="status" className="tone-good small">
          Copied to the clipboard.
        </p>
      ) : null}
      {copied === 'failed' ? (
        <p role="alert" className="field-error">
          The browser refused the clipboard; select the key and copy it by hand.
        </p>
      ) : null}
    </Dialog>
  );
}

export function ApiKeysPanel({ title, queryKey, list, create, revoke, scopes, timeZone }: ApiKeysPanelProps) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const keys = useQuery({ queryKey, queryFn: list });
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<ApiKeyScope[]>(scopes.filter((s) => s.endsWith(':read')));
  const [expiresAt, setExpiresAt] = useState('');
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const createKey = useMutation({
    mutationFn: () =>
      create({
        name: name.trim(),
        scopes: chosen,
        ...(expiresAt ? { expiresAt: new Date(`${expiresAt}T23:59:59`).toISOString() } : {}),
      }),
    onSuccess: (result) => {
      setCreated(result);
      setName('');
      setExpiresAt('');
      void queryClient.invalidateQueries({ queryKey });
    },
  });
  const revokeKey = useMutation({
    mutationFn: (key: ApiKey) => revoke(key.id),
    onSuccess: (_r, key) => {
      setRevoking(null);
      toast.success(`Key “${key.name}” revoked; requests with it now get 401.`);
      void queryClient.invalidateQueries({ queryKey });
    },
  });

  const errors = useFormErrors(createKey.error);
  const columns: Column<ApiKey>[] = [
    { key: 'name', header: 'Name', cell: (k) => k.name, sortValue: (k) => k.name },
    { key: 'key', header: 'Key', cell: (k) => <span className="mono">{k.display}</span> },
    {
      key: 'scopes',
      header: 'Scopes',
      wrap: true,
      cell: (k) => (
        <span className="row">
          {k.scopes.map((s) => (
            <Pill key={s}>{s}</Pill>
          ))}
        </span>
      ),
    },
    {
      key: 'created',
      header: 'Created',
      cell: (k) => formatDateTime(k.createdAt, timeZone),
      sortValue: (k) => k.createdAt,
    },
    {
      key: 'used',
      header: 'Last used',
      cell: (k) => (k.lastUsedAt ? formatDateTime(k.lastUsedAt, timeZone) : 'Never'),
      sortValue: (k) => k.lastUsedAt,
    },
    {
      key: 'expires',
      header: 'Expires',
      cell: (k) => (k.expiresAt ? formatDateTime(k.expiresAt, timeZone) : 'No expiry'),
    },
    {
      key: 'status',
      header: 'Status',
      cell: (k) => <Pill tone={STATUS_TONE[k.status]}>{k.status}</Pill>,
    },
    { key: 'by', header: 'Created by', cell: (k) => k.createdBy?.email ?? '—' },
    {
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      cell: (k) =>
        k.status === 'revoked' ? null : (
          <Button
            small
            variant="danger"
            onClick={() => {
              revokeKey.reset();
              setRevoking(k);
            }}
            aria-label={`Revoke ${k.name}`}
          >
            Revoke
          </Button>
        ),
    },
  ];

  return (
    <Card title={title} subtitle="Use a key as Authorization: Bearer <key> or x-api-key: <key>">
      <div className="stack">
        <form
          className="form-grid"
          onSubmit={errors.submit(() => createKey.mutate())}
          aria-label="Create an API key"
          {...errors.formProps}
        >
          <Field
            label="Name"
            value={name}
            required
            maxLength={100}
            {...errors.props('name')}
            placeholder="e.g. Reporting export"
            onChange={(e) => setName(e.target.value)}
          />
          <Field
            label="Expires (optional)"
            type="date"
            {...errors.props('expiresAt')}
            value={expiresAt}
            onChange={(e) => setExpiresAt(e.target.value)}
          />
          <fieldset className="field">
            <legend className="field-label">Scopes</legend>
            {scopes.map((s) => (
              <Checkbox
                key={s}
                label={s}
                checked={chosen.includes(s)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, s] : c.filter((x) => x !== s)))}
              />
            ))}
          </fieldset>
          <Button
            type="submit"
            variant="primary"
            busy={createKey.isPending}
            disabled={!name.trim() || chosen.length === 0}
          >
            Create key
          </Button>
        </form>
        <ErrorState error={errors.rest(KEY_FIELDS)} title="The key was not created." />
        <Table
          caption={title}
          testId="api-keys-table"
          columns={columns}
          rows={keys.data?.apiKeys}
          rowKey={(k) => k.id}
          isLoading={keys.isLoading}
          error={keys.error}
          onRetry={() => keys.refetch()}
          empty="No API keys yet."
        />
      </div>
      <CreatedKeyDialog created={created} onClose={() => setCreated(null)} />
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        message={`Anything using “${revoking?.name}” (${revoking?.display}) will stop working at once. This cannot be undone.`}
        confirmLabel="Revoke key"
        busy={revokeKey.isPending}
        error={revokeKey.error}
        onConfirm={() => revoking && revokeKey.mutate(revoking)}
        onClose={() => setRevoking(null)}
      />
    </Card>
  );
}
