// A confirmed release action (release, promote, rollback, a policy's change): the shared inline
// confirmation with what will change, the API's message after a failed attempt, and the buttons.
import type { ReactNode } from 'react';
import { ConfirmDialog } from '../confirm-dialog.tsx';

export interface ActionDialogProps {
  title: string;
  /** What will change, and any fields (reason). */
  children: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  busy: boolean;
  /** The API's message after a failed attempt. */
  error?: string;
  /** Shown after the error (force after a refusal). */
  after?: ReactNode;
  confirmDisabled?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

export function ActionDialog({ title, children, confirmLabel, busyLabel, busy, error, after, confirmDisabled, onConfirm, onCancel }: ActionDialogProps) {
  return (
    <ConfirmDialog title={title} busy={busy} onCancel={onCancel} className="release-dialog">
      {children}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {after}
      <div className="buttons">
        <button type="button" onClick={onConfirm} disabled={busy || confirmDisabled}>
          {busy ? busyLabel : confirmLabel}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </ConfirmDialog>
  );
}
