// Deleting an app's objects from an environment: admins only, after typing the app's name.
import { useId, useState } from 'react';
import type { ApiClient, AppState } from '../api/client.ts';
import { Link } from '../router.tsx';
import { ConfirmDialog } from '../confirm-dialog.tsx';
import { deleteApp, type DeleteAnswer } from './object-api.ts';
import { messageOf } from './use-load.ts';

type Phase = { step: 'idle' } | { step: 'confirm' | 'deleting'; typed: string; error?: string } | { step: 'done'; answer?: DeleteAnswer };

export function DeleteApp({ client, state, objects }: { client: ApiClient; state: AppState; objects?: number }) {
  const inputId = useId();
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const { app, env } = state;

  const run = async (typed: string): Promise<void> => {
    setPhase({ step: 'deleting', typed });
    try {
      setPhase({ step: 'done', answer: await deleteApp(client, { env, app }) });
    } catch (err) {
      setPhase({ step: 'confirm', typed, error: messageOf(err) });
    }
  };

  return (
    <section className="danger" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete</h2>
      {phase.step !== 'done' && (
        <button type="button" className="danger-button" onClick={() => setPhase({ step: 'confirm', typed: '' })} disabled={phase.step !== 'idle'}>
          Delete {app}…
        </button>
      )}
      {(phase.step === 'confirm' || phase.step === 'deleting') && (
        <ConfirmDialog title={`Delete ${app} from ${env}?`} onCancel={() => setPhase({ step: 'idle' })} busy={phase.step === 'deleting'}>
          <p>
            This deletes {objects === undefined ? 'every object' : `the ${objects} object${objects === 1 ? '' : 's'}`} capstan applied for {app} in {env} from the cluster, with what they own, and records it in the history. Git is not changed: capstan then leaves the app alone (no automatic sync, self-heal or retry) until a manual sync or a new commit that changes it.
          </p>
          <label htmlFor={inputId}>Type {app} to confirm</label>
          <input id={inputId} autoComplete="off" spellCheck={false} value={phase.typed} onChange={(e) => setPhase({ step: 'confirm', typed: e.target.value })} disabled={phase.step === 'deleting'} />
          <div className="buttons">
            <button type="button" className="danger-button" onClick={() => void run(phase.typed)} disabled={phase.typed !== app || phase.step === 'deleting'}>
              {phase.step === 'deleting' ? 'Deleting…' : `Delete ${app}`}
            </button>
            <button type="button" onClick={() => setPhase({ step: 'idle' })} disabled={phase.step === 'deleting'}>
              Cancel
            </button>
          </div>
          {phase.error && (
            <p role="alert" className="error">
              {phase.error}
            </p>
          )}
        </ConfirmDialog>
      )}
      {phase.step === 'done' && (
        <p aria-live="polite" className={phase.answer?.result === 'Failed' ? 'result error' : 'result'}>
          {phase.answer?.result === 'Failed' ? `Deleting ${app} failed` : `${app} was deleted from ${env}`}
          {phase.answer?.message ? `: ${phase.answer.message}` : ''}
          {phase.answer?.counts ? ` (${Object.entries(phase.answer.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing to delete'})` : ''}. <Link href="/">Applications</Link>
        </p>
      )}
    </section>
  );
}
