// Pill: a short status label; call statuses and roles map to a tone here, once.
import type { ReactNode } from 'react';

export type PillTone = 'good' | 'bad' | 'warn' | 'info' | 'neutral';

export function Pill({ tone = 'neutral', children }: { tone?: PillTone; children: ReactNode }) {
  return <span className={tone === 'neutral' ? 'pill' : `pill pill-${tone}`}>{children}</span>;
}

const STATUS_TONE: Record<string, PillTone> = {
  answered: 'good',
  connected: 'good',
  completed: 'good',
  available: 'good',
  missed: 'bad',
  abandoned: 'bad',
  failed: 'bad',
  busy: 'warn',
  voicemail: 'warn',
  ringing: 'warn',
  on_call: 'info',
  offline: 'neutral',
  ok: 'good',
  error: 'bad',
  running: 'info',
  waiting_quota: 'warn',
  never: 'neutral',
};

export function StatusPill({ status }: { status: string }) {
  return <Pill tone={STATUS_TONE[status] ?? 'neutral'}>{status.replace(/_/g, ' ')}</Pill>;
}
