// What was applied to the app, newest first; deployers can roll back to an earlier successful
// revision after a confirmation that says from which revision to which.
import { useState } from 'react';
import { canDeploy, type ApiClient, type AppState, type Role, type Schemas } from '../api/client.ts';
import { ago } from '../overview/overview.tsx';
import { useNow } from '../use-now.ts';
import { ConfirmDialog } from '../confirm-dialog.tsx';
import { messageOf, useLoad } from './use-load.ts';

type HistoryEntry = Schemas['HistoryEntry'];
type SyncResult = Schemas['SyncActionResult'];

const short = (rev: string): string => (rev ? rev.slice(0, 7) : '—');
const countsText = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ') || 'no changes';

export interface HistoryListProps {
  client: ApiClient;
  state: AppState;
  role?: Role;
}

type Rollback = { step: 'confirm' | 'running'; entry: HistoryEntry; error?: string } | { step: 'done'; entry: HistoryEntry; result: SyncResult };

export function HistoryList({ client, state, role }: HistoryListProps) {
  const now = useNow();
  const params = { env: state.env, app: state.app };
  // Read again after each sync (a new entry).
  const history = useLoad(`${state.env}/${state.app}/${state.lastSync?.finishedAt ?? ''}`, (signal) => client.get('/api/v1/apps/{env}/{app}/history', { params, signal }));
  const [rollback, setRollback] = useState<Rollback | undefined>();

  const run = async (entry: HistoryEntry): Promise<void> => {
    setRollback({ step: 'running', entry });
    try {
      const result = await client.post('/api/v1/apps/{env}/{app}/rollback', { to: entry.id }, { params });
      setRollback({ step: 'done', entry, result });
      history.reload();
    } catch (err) {
      setRollback({ step: 'confirm', entry, error: messageOf(err) });
    }
  };

  const entries = [...(history.data ?? [])].reverse();
  const rollbackTarget = (e: HistoryEntry): boolean => canDeploy(role) && e.result === 'Succeeded' && e.operation !== 'delete' && e.revision !== state.revision;
  return (
    <section className="history" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {history.error && (
        <p role="alert" className="error">
          {history.error}
        </p>
      )}
      {history.loading && <p className="loading">Reading the history…</p>}
      {history.data && entries.length === 0 && <p className="muted">Nothing applied yet.</p>}
      {rollback && (rollback.step === 'confirm' || rollback.step === 'running') && (
        <ConfirmDialog title={`Roll back ${state.app} in ${state.env}?`} onCancel={() => setRollback(undefined)} busy={rollback.step === 'running'}>
          <p>
            This applies revision <code>{short(rollback.entry.revision)}</code> again (history entry #{rollback.entry.id}, {rollback.entry.operation} {ago(rollback.entry.time, now)} by {rollback.entry.who}) in place of <code>{short(state.revision)}</code>, the revision
            applied now. Automated syncs may move the app forward again when git changes.
          </p>
          <div className="buttons">
            <button type="button" onClick={() => void run(rollback.entry)} disabled={rollback.step === 'running'}>
              {rollback.step === 'running' ? 'Rolling back…' : `Roll back to ${short(rollback.entry.revision)}`}
            </button>
            <button type="button" onClick={() => setRollback(undefined)} disabled={rollback.step === 'running'}>
              Cancel
            </button>
          </div>
          {rollback.error && (
            <p role="alert" className="error">
              {rollback.error}
            </p>
          )}
        </ConfirmDialog>
      )}
      {rollback?.step === 'done' && (
        <p aria-live="polite" className={rollback.result.result === 'Failed' ? 'result error' : 'result'}>
          Rollback to <code>{short(rollback.entry.revision)}</code> {rollback.result.result === 'Failed' ? 'failed' : 'succeeded'}
          {rollback.result.message ? `: ${rollback.result.message}` : ''} ({countsText(rollback.result.counts)})
        </p>
      )}
      {entries.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={`History of ${state.app} in ${state.env}`}>
          <table className="history-table">
            <caption className="visually-hidden">History of {state.app} in {state.env}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Operation</th>
                <th scope="col">Revision</th>
                <th scope="col">Result</th>
                <th scope="col">Who</th>
                <th scope="col">When</th>
                <th scope="col">Changes</th>
                {canDeploy(role) && (
                  <th scope="col">
                    <span className="visually-hidden">Rollback</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <th scope="row">{e.id}</th>
                  <td>
                    {e.operation}
                    {e.rollbackOf !== undefined && <span className="muted"> to #{e.rollbackOf}</span>}
                    {e.trigger && <span className="muted"> ({e.trigger})</span>}
                  </td>
                  <td>
                    <code title={e.revision}>{short(e.revision)}</code>
                    {e.revision === state.revision && e.operation !== 'delete' && <span className="muted"> current</span>}
                  </td>
                  <td className={e.result === 'Failed' ? 'error' : undefined}>
                    {e.result}
                    {e.message && <span className="notes"> {e.message}</span>}
                  </td>
                  <td>{e.who}</td>
                  <td title={e.time}>{ago(e.time, now)}</td>
                  <td className="notes">{countsText(e.changes)}</td>
                  {canDeploy(role) && (
                    <td>
                      {rollbackTarget(e) && (
                        <button type="button" onClick={() => setRollback({ step: 'confirm', entry: e })} disabled={rollback?.step === 'running'} aria-label={`Roll back to #${e.id} (${short(e.revision)})…`}>
                          Roll back…
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
