// A one-time link just issued (an invitation): whole, selectable, with a copy button, shown until dismissed.
import type { ReactNode } from 'react';
import { Button } from './Button';
import { CopyButton } from './CopyButton';
import { Notice } from './States';

/** The server answers a whole link; an older one may answer a path. The link a person receives must be whole. */
export function absoluteLink(url: string): string {
  return new URL(url, window.location.origin).toString();
}

export function OneTimeLink({
  url,
  fieldLabel,
  copyLabel,
  testId,
  onDismiss,
  children,
}: {
  url: string;
  fieldLabel: string;
  copyLabel: string;
  testId: string;
  onDismiss: () => void;
  children: ReactNode;
}) {
  const link = absoluteLink(url);
  return (
    <Notice>
      <div className="stack" data-testid={testId}>
        <p>{children}</p>
        <div className="row">
          <input className="mono link-field" readOnly value={link} aria-label={fieldLabel} />
          <CopyButton text={link} label={copyLabel} />
          <Button small onClick={onDismiss}>
            Done
          </Button>
        </div>
      </div>
    </Notice>
  );
}
