// The span of time around the receiver's clock a webhook event's Timestamp must fall in to be stored: a replayed
// old delivery (a fresh Guid defeats the dedupe) or one stamped far ahead is refused before it reaches the inbox.
import { AppError } from '../../http/errors.js';

export interface EventWindowLimits {
  /** events stamped more than this before now are refused */
  maxAgeMs: number;
  /** events stamped more than this after now are refused */
  maxAheadMs: number;
}

/**
 * 24 h back: MightyCall sends each event as it happens and documents no retries, so a genuine delivery is
 * seconds old; a day leaves room for any retrying sender or queue in between, and for our own outage (a 503
 * answered while the database is down, redelivered later), while the journal sync, not webhooks, brings in
 * anything older. 5 min ahead: clock skew between two NTP-synchronised hosts is well under a second; 5 minutes
 * is the usual allowance (Kerberos, signed-webhook schemes) and covers the simulator, which sends a short call's
 * whole event sequence at once, stamped up to a few minutes into the call.
 */
const DEFAULT_EVENT_WINDOW: EventWindowLimits = { maxAgeMs: 24 * 3_600_000, maxAheadMs: 5 * 60_000 };

export type EventWindowRefusal = 'too_old' | 'in_future';

/** A span as people say it: "9131 days", "25 hours", "6 minutes", "40 seconds". */
function span(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds >= 2 * 86_400) return `${Math.floor(seconds / 86_400)} days`;
  if (seconds >= 2 * 3600) return `${Math.floor(seconds / 3600)} hours`;
  if (seconds >= 2 * 60) return `${Math.floor(seconds / 60)} minutes`;
  return `${seconds} seconds`;
}

export class EventWindow {
  /** events refused since this process started, by reason (the log has one line for each) */
  readonly refused: Record<EventWindowRefusal, number> = { too_old: 0, in_future: 0 };

  constructor(readonly limits: EventWindowLimits = DEFAULT_EVENT_WINDOW) {}

  /** Why an event stamped at `eventMs` is outside the window around `nowMs`, or null when it is inside. */
  judge(eventMs: number, nowMs: number): EventWindowRefusal | null {
    if (eventMs < nowMs - this.limits.maxAgeMs) return 'too_old';
    if (eventMs > nowMs + this.limits.maxAheadMs) return 'in_future';
    return null;
  }

  /** Counts a refusal and builds its 422, naming the field, how far off it is and the window. */
  refuse(reason: EventWindowRefusal, timestamp: string, eventMs: number, nowMs: number): AppError {
    this.refused[reason]++;
    const off = span(Math.abs(nowMs - eventMs));
    const details = {
      field: 'Timestamp',
      timestamp,
      receivedAt: new Date(nowMs).toISOString(),
      maxAgeSeconds: this.limits.maxAgeMs / 1000,
      maxAheadSeconds: this.limits.maxAheadMs / 1000,
    };
    return reason === 'too_old'
      ? new AppError(
          422,
          'event_too_old',
          `Timestamp: the event is ${off} older than this server's clock; events older than ${span(this.limits.maxAgeMs)} are refused (replay protection).`,
          details,
        )
      : new AppError(
          422,
          'event_in_future',
          `Timestamp: the event is ${off} ahead of this server's clock; events more than ${span(this.limits.maxAheadMs)} ahead are refused.`,
          details,
        );
  }
}
