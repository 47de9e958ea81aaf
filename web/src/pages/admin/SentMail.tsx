// Platform admin: the Sent mail page — every outgoing message with its status, and a message opened whole (headers,
// text, HTML in a sandboxed frame, attachment names), like a developer's mail catcher when no SMTP_URL is set.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { type MailQuery, mail } from '../../api/endpoints';
import type { MailStatus, MailSummary } from '../../api/types';
import { ButtonLink } from '../../components/Button';
import { Card } from '../../components/Card';
import { Pill } from '../../components/Pill';
import { Segmented } from '../../components/Segmented';
import { ErrorState, Loading, Notice } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { formatDateTime } from '../../metrics/format';

const TONE = { queued: 'warn', sent: 'good', captured: 'info', failed: 'bad' } as const;
const PURPOSE: Record<string, string> = {
  invitation: 'Invitation',
  password_reset: 'Password reset',
  email_verification: 'Email verification',
};

export function MailStatusPill({ status }: { status: MailStatus }) {
  return <Pill tone={TONE[status]}>{status}</Pill>;
}

const columns: Column<MailSummary>[] = [
  {
    key: 'created',
    header: 'Written',
    cell: (m) => formatDateTime(m.createdAt),
    sortValue: (m) => m.createdAt,
  },
  {
    key: 'subject',
    header: 'Subject',
    wrap: true,
    cell: (m) => <Link to={`/admin/mail/${m.id}`}>{m.subject}</Link>,
    sortValue: (m) => m.subject,
  },
  { key: 'to', header: 'To', cell: (m) => m.to, sortValue: (m) => m.to },
  { key: 'org', header: 'Org', cell: (m) => m.orgName ?? '—', sortValue: (m) => m.orgName ?? '' },
  { key: 'purpose', header: 'Kind', cell: (m) => PURPOSE[m.purpose] ?? m.purpose },
  { key: 'status', header: 'Status', cell: (m) => <MailStatusPill status={m.status} />, sortValue: (m) => m.status },
  {
    key: 'error',
    header: 'Last error',
    wrap: true,
    cell: (m) => (m.lastError ? <span className="small">{m.lastError}</span> : '—'),
  },
];

type Filter = 'all' | MailStatus;
const FILTERS: Array<{ value: Filter; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'captured', label: 'Captured' },
  { value: 'sent', label: 'Sent' },
  { value: 'queued', label: 'Queued' },
  { value: 'failed', label: 'Failed' },
];

export default function SentMail() {
  const [filter, setFilter] = useState<Filter>('all');
  const query: MailQuery = filter === 'all' ? { limit: 200 } : { status: filter, limit: 200 };
  const list = useQuery({
    queryKey: ['admin', 'mail', query],
    queryFn: () => mail.list(query),
    refetchInterval: 5000,
  });
  const mode = list.data?.mode;
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Sent mail</h1>
        <p className="page-header-meta">
          {mode
            ? mode.mode === 'capture'
              ? 'No SMTP_URL is configured: messages are kept here instead of sent.'
              : `Sent through ${mode.smtp ?? 'SMTP'} as ${mode.from}.`
            : 'Every message VictorySync writes, newest first.'}
        </p>
      </header>
      <Card
        title="Messages"
        subtitle={list.data ? `${list.data.messages.length} shown, newest first` : undefined}
        actions={<Segmented label="Status" value={filter} options={FILTERS} onChange={setFilter} />}
      >
        <Table
          caption="Outgoing mail"
          testId="mail-table"
          columns={columns}
          rows={list.data?.messages}
          rowKey={(m) => m.id}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={() => list.refetch()}
          empty={filter === 'all' ? 'No mail yet.' : `No ${filter} mail.`}
        />
      </Card>
    </div>
  );
}

export function MailMessagePage() {
  const { mailId = '' } = useParams();
  const message = useQuery({ queryKey: ['admin', 'mail', 'one', mailId], queryFn: () => mail.get(mailId) });
  if (message.isPending) return <Loading label="Loading the message…" />;
  if (message.isError) {
    return <ErrorState error={message.error} title="Could not load the message." onRetry={() => message.refetch()} />;
  }
  const m = message.data.message;
  const headers: Array<[string, string]> = [
    ['From', m.from ?? '(not sent yet)'],
    ['To', m.to],
    ['Subject', m.subject],
    ['Written', formatDateTime(m.createdAt)],
    ['Sent', m.sentAt ? formatDateTime(m.sentAt) : '—'],
    ['Message-ID', m.messageId ?? '—'],
    ['Org', m.orgName ?? '—'],
    ['Kind', PURPOSE[m.purpose] ?? m.purpose],
    ['Attempts', String(m.attempts)],
  ];
  return (
    <div className="stack">
      <header className="page-header">
        <h1>{m.subject}</h1>
        <p className="page-header-meta">
          <MailStatusPill status={m.status} /> to {m.to}
        </p>
      </header>
      <div>
        <ButtonLink to="/admin/mail">Back to Sent mail</ButtonLink>
      </div>
      {m.lastError ? <ErrorState error={new Error(m.lastError)} title="Last error" /> : null}
      <Card title="Headers">
        <dl className="mail-headers" data-testid="mail-headers">
          {headers.map(([name, value]) => (
            <div key={name} className="row">
              <dt className="muted">{name}</dt>
              <dd className="mono">{value}</dd>
            </div>
          ))}
        </dl>
      </Card>
      {m.text === null && m.html === null ? (
        <Notice>
          The content is no longer kept: once the SMTP server took the message (or it failed for good) its text was
          dropped, so a single-use link in it does not stay at rest.
        </Notice>
      ) : null}
      {m.html !== null ? (
        <Card title="HTML part">
          {/* No scripts, forms or same-origin access: the frame only shows the message. */}
          <iframe className="mail-html" title={`HTML part of ${m.subject}`} sandbox="" srcDoc={m.html} />
        </Card>
      ) : null}
      {m.text !== null ? (
        <Card title="Text part">
          <pre className="mail-text" data-testid="mail-text">
            {m.text}
          </pre>
        </Card>
      ) : null}
      <Card title="Attachments">
        {m.attachments.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <ul>
            {m.attachments.map((a) => (
              <li key={a.filename}>
                {a.filename}{' '}
                <span className="muted small">
                  ({a.contentType}, {a.size} bytes)
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
