// What a person may do to an app from its page: refresh (any role) and sync (deploy and admin
// only, after a confirmation that lists what will change). Errors are shown here, with the API's message.
import { useState } from 'react';
import { canDeploy, type ApiClient, type AppState, type Role, type Schemas } from '../api/client.ts';

type DiffReport = Schemas['DiffReport'];
type SyncResult = Schemas['SyncActionResult'];

const subject = (key: Schemas['ResourceKey']): string => [key.kind, key.namespace, key.name].filter(Boolean).join('/');

export interface AppActionsProps {
  client: ApiClient;
  state: AppState;
  role?: Role;
}

type Phase = { step: 'idle' } | { step: 'checking' } | { step: 'confirm'; diff: DiffReport } | { step: 'syncing'; diff: DiffReport } | { step: 'done'; result: SyncResult };

export function AppActions({ client, state, role }: AppActionsProps) {
  const params = { env: state.env, app: state.app };
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const [error, setError] = useState<string | undefined>();
  const [refreshing, setRefreshing] = useState(false);
  const [prune, setPrune] = useState(state.prune);
  const [force, setForce] = useState(false);
  // empty: the commit the diff compared (the newest the agent has seen)
  const [revision, setRevision] = useState('');

  const fail = (err: unknown): void => setError(err instanceof Error ? err.message : String(err));

  const refresh = async (): Promise<void> => {
    setError(undefined);
    setRefreshing(true);
    try {
      await client.post('/api/v1/apps/{env}/{app}/refresh', undefined, { params });
    } catch (err) {
      fail(err);
    } finally {
      setRefreshing(false);
    }
  };

  const prepareSync = async (): Promise<void> => {
    setError(undefined);
    setPhase({ step: 'checking' });
    try {
      setPhase({ step: 'confirm', diff: await client.get('/api/v1/apps/{env}/{app}/diff', { params }) });
    } catch (err) {
      setPhase({ step: 'idle' });
      fail(err);
    }
  };

  const sync = async (diff: DiffReport): Promise<void> => {
    setError(undefined);
    setPhase({ step: 'syncing', diff });
    try {
      const result = await client.post('/api/v1/apps/{env}/{app}/sync', { revision: revision.trim() || diff.revision || undefined, prune, force }, { params });
      setPhase({ step: 'done', result });
    } catch (err) {
      setPhase({ step: 'confirm', diff });
      fail(err);
    }
  };

  const changes = phase.step === 'confirm' || phase.step === 'syncing' ? phase.diff.diffs.filter((d) => d.action !== 'unchanged') : [];
  return (
    <section className="actions" aria-label="Actions">
      <div className="buttons">
        <button type="button" onClick={() => void refresh()} disabled={refreshing}>
          {refreshing ? 'Refreshing…' : 'Refresh'}
        </button>
        {canDeploy(role) && (
          <button type="button" onClick={() => void prepareSync()} disabled={phase.step === 'checking' || phase.step === 'syncing'}>
            Sync…
          </button>
        )}
      </div>
      {phase.step === 'checking' && <p className="loading">Comparing git with the cluster…</p>}
      {(phase.step === 'confirm' || phase.step === 'syncing') && (
        <div role="group" aria-label="Confirm sync" className="confirm">
          <p>
            Sync {state.app} in {state.env} to <code>{phase.diff.revision.slice(0, 7) || 'the newest commit'}</code>:{' '}
            {changes.length === 0 ? 'nothing differs from git.' : `${changes.length} object${changes.length === 1 ? '' : 's'} will change.`}
          </p>
          {changes.length > 0 && (
            <ul className="changes">
              {changes.map((d) => (
                <li key={subject(d.key)}>
                  <span className={`action-${d.action}`}>{d.action}</span> {subject(d.key)}
                </li>
              ))}
            </ul>
          )}
          <label>
            Revision (a commit or branch; empty: <code>{phase.diff.revision.slice(0, 7) || 'the newest commit'}</code>){' '}
            <input type="text" value={revision} onChange={(e) => setRevision(e.target.value)} spellCheck={false} autoComplete="off" />
          </label>
          {revision.trim() !== '' && <p className="notes">The list above compares the newest commit; syncing {revision.trim()} applies what that revision renders.</p>}
          <label>
            <input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} /> Prune objects no longer in git
          </label>
          <label>
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Take fields other field managers own (force)
          </label>
          <div className="buttons">
            <button type="button" onClick={() => void sync(phase.diff)} disabled={phase.step === 'syncing'}>
              {phase.step === 'syncing' ? 'Syncing…' : 'Sync now'}
            </button>
            <button type="button" onClick={() => setPhase({ step: 'idle' })} disabled={phase.step === 'syncing'}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {phase.step === 'done' && (
        <p aria-live="polite" className={phase.result.result === 'Failed' ? 'result error' : 'result'}>
          Sync {phase.result.result === 'Failed' ? 'failed' : 'succeeded'}
          {phase.result.message ? `: ${phase.result.message}` : ''} (
          {Object.entries(phase.result.counts)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ') || 'no changes'}
          )
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
