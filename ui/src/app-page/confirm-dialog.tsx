// An inline confirmation next to the action that opened it: named by its title, focus moves into it
// and back to where it was, Escape cancels.
import { useEffect, useId, useRef, type ReactNode } from 'react';

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  onCancel(): void;
  /** Escape does nothing while the action runs. */
  busy?: boolean;
}

export function ConfirmDialog({ title, children, onCancel, busy = false }: ConfirmDialogProps) {
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
      className="confirm"
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
