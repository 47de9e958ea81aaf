// Dialog: a native modal <dialog> (focus trapped, Escape closes, focus returns to its opener) and a ConfirmDialog.
import { type ReactNode, useEffect, useId, useRef } from 'react';
import { Button } from './Button';
import { ErrorState } from './States';

export interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  actions?: ReactNode;
  testId?: string;
}

/** Focus back on what opened a dialog, once it closes or is unmounted (a removed <dialog> leaves focus on <body>). */
function returnFocus(opener: HTMLElement | null, dialog: HTMLDialogElement): void {
  const active = document.activeElement;
  const lost = active === null || active === document.body || dialog.contains(active) || !active.isConnected;
  if (opener?.isConnected && lost) opener.focus();
}

export function Dialog({ open, title, onClose, children, actions, testId }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || !open) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    // Runs when `open` turns false and when the dialog is unmounted while open (Escape, Cancel, done).
    return () => {
      if (dialog.open) dialog.close();
      returnFocus(opener, dialog);
    };
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open ? (
        <div className="dialog-body">
          <h2 id={titleId}>{title}</h2>
          {children}
          {actions ? <div className="dialog-actions">{actions}</div> : null}
        </div>
      ) : null}
    </dialog>
  );
}

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  error?: unknown;
  danger?: boolean;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, message, confirmLabel, onConfirm, onClose, busy, error, danger = true } = props;
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      actions={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant={danger ? 'danger' : 'primary'} busy={busy} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div>{message}</div>
      {error ? <ErrorState error={error} title="That did not work." /> : null}
    </Dialog>
  );
}
