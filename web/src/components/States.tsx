// Loading, empty, error and notice states shared by every screen, so none is ever blank or silent.
import type { ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { Button } from './Button';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      {label}
    </div>
  );
}

export function LoadingRows({ label, rows = 4 }: { label: string; rows?: number }) {
  return (
    <div className="stack" role="status" aria-label={`Loading ${label}`}>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <div key={i} className="skeleton" />
      ))}
    </div>
  );
}

export function EmptyState({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div className="state" data-testid={testId}>
      {children}
    </div>
  );
}

/** Nothing when there is no error (null or undefined), so a form can pass what is left of its server error. */
export function ErrorState({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  if (error === null || error === undefined) return null;
  return (
    <div className="state-error" role="alert">
      <p>
        <strong>{title ?? 'Could not load this.'}</strong> {errorMessage(error)}
      </p>
      {onRetry ? (
        <Button small onClick={onRetry}>
          Retry
        </Button>
      ) : null}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="state-notice" role="status">
      {children}
    </div>
  );
}
