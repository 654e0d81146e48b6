// An inline confirmation next to the action that opened it (the app page's rollback and delete, the
// Releases page's actions): named by its title, the focus moves to its first field or button and
// back to where it was when it closes, Escape cancels.
import { useEffect, useId, useRef, type ReactNode } from 'react';

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  onCancel(): void;
  /** Escape does nothing while the action runs. */
  busy?: boolean;
  className?: string;
}

export function ConfirmDialog({ title, children, onCancel, busy = false, className }: ConfirmDialogProps) {
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement;
    box.current?.querySelector<HTMLElement>('input, button:not(:disabled)')?.focus();
    return () => {
      if (before instanceof HTMLElement && before.isConnected) before.focus();
    };
  }, []);
  return (
    <div
      ref={box}
      role="dialog"
      aria-labelledby={`${id}-title`}
      className={className ? `confirm ${className}` : 'confirm'}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && !busy) {
          event.stopPropagation();
          onCancel();
        }
      }}
    >
      <h3 id={`${id}-title`}>{title}</h3>
      {children}
    </div>
  );
}
