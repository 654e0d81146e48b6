// The release policies: listed for everyone; deleted and added by admins, each after a confirmation.
import { useState } from 'react';
import type { ApiClient, Role } from '../api/client.ts';
import { ActionDialog } from './action-dialog.tsx';
import { describePolicy } from './format.ts';
import { deletePolicy, type Policy, type PolicyRequest } from './releases-api.ts';
import { useReload } from './use-reload.ts';

export interface PoliciesProps {
  client: ApiClient;
  role?: Role;
  /** Only the policies covering this service (and a new one is for it by default). */
  service?: string;
  /** The environments to offer in the form. */
  envs: string[];
  changes?: string;
  /** After a policy change committed. */
  onChanged?(): void;
}

type Pending = { kind: 'delete'; policy: Policy } | { kind: 'add'; request: PolicyRequest };

export function Policies({ client, role, service, envs, changes, onChanged }: PoliciesProps) {
  const policies = useReload((signal) => client.get('/api/v1/policies', { signal }), 'policies', { changes });
  const [pending, setPending] = useState<Pending | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<string | undefined>();
  const admin = role === 'admin';
  const shown = (policies.data ?? []).filter((p) => !service || !p.service || p.service === service);

  const open = (next: Pending): void => {
    setPending(next);
    setError(undefined);
    setOutcome(undefined);
  };
  const confirm = async (): Promise<void> => {
    if (!pending) return;
    setBusy(true);
    setError(undefined);
    try {
      const change = pending.kind === 'delete' ? await deletePolicy(client, pending.policy.id) : await client.post('/api/v1/policies', pending.request);
      setOutcome(
        !change.committed
          ? `Nothing to do: ${change.reason ?? 'already so'}.`
          : `${pending.kind === 'delete' ? 'Deleted' : 'Added'} policy ${change.policy.id} (commit ${change.commit?.slice(0, 7) ?? '?'}).`,
      );
      setPending(undefined);
      policies.reload();
      if (change.committed) onChanged?.();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="policies-title" className="policies">
      <h2 id="policies-title">Policies{service ? ` covering ${service}` : ''}</h2>
      {policies.error && (
        <p role="alert" className="error">
          {policies.error}
        </p>
      )}
      {!policies.loaded && !policies.data ? (
        <p className="loading">Loading policies…</p>
      ) : shown.length === 0 ? (
        !policies.error && <p className="empty">No policies.</p>
      ) : (
        <div className="table-wrap">
          <table className="stack">
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Type</th>
                <th scope="col">Service</th>
                <th scope="col">Environment</th>
                <th scope="col">Rule</th>
                {admin && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.id}>
                  <th scope="row">
                    <code>{p.id}</code>
                  </th>
                  <td data-label="Type">{p.type}</td>
                  <td data-label="Service">{p.service ?? <span className="muted">every service</span>}</td>
                  <td data-label="Environment">{p.env}</td>
                  <td data-label="Rule">{p.type === 'auto-release' ? `release branch ${p.branch ?? '?'}` : <code>/{p.branchRegex}/</code>}</td>
                  {admin && (
                    <td>
                      <button type="button" onClick={() => open({ kind: 'delete', policy: p })}>
                        Delete<span className="visually-hidden"> policy {p.id}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {admin && <PolicyForm envs={envs} service={service} disabled={busy} onSubmit={(request) => open({ kind: 'add', request })} />}
      {pending && (
        <ActionDialog
          title={pending.kind === 'delete' ? `Delete policy ${pending.policy.id}` : 'Add a policy'}
          confirmLabel={pending.kind === 'delete' ? 'Delete' : 'Add'}
          busyLabel={pending.kind === 'delete' ? 'Deleting…' : 'Adding…'}
          busy={busy}
          error={error}
          onConfirm={() => void confirm()}
          onCancel={() => setPending(undefined)}
        >
          <p className="what">
            {pending.kind === 'delete'
              ? `Delete policy ${pending.policy.id}: from then on it no longer holds that ${describePolicy(pending.policy)}.`
              : `Add a policy: ${describePolicy(pending.request)}. It replaces a policy of the same type, service and environment.`}
          </p>
        </ActionDialog>
      )}
      {outcome && (
        <p role="status" className="result">
          {outcome}
        </p>
      )}
    </section>
  );
}

function PolicyForm({ envs, service, disabled, onSubmit }: { envs: string[]; service?: string; disabled: boolean; onSubmit(request: PolicyRequest): void }) {
  const [type, setType] = useState<PolicyRequest['type']>('branch-restriction');
  const [env, setEnv] = useState('');
  const [forService, setForService] = useState(service ?? '');
  const [rule, setRule] = useState('');
  const chosenEnv = env || envs[0] || '';
  return (
    <form
      className="policy-form"
      aria-label="Add a policy"
      onSubmit={(e) => {
        e.preventDefault();
        const value = rule.trim();
        if (!value || !chosenEnv) return;
        onSubmit({ type, env: chosenEnv, ...(forService.trim() ? { service: forService.trim() } : {}), ...(type === 'auto-release' ? { branch: value } : { branchRegex: value }) });
      }}
    >
      <label>
        Type
        <select value={type} onChange={(e) => setType(e.target.value as PolicyRequest['type'])}>
          <option value="branch-restriction">branch-restriction</option>
          <option value="auto-release">auto-release</option>
        </select>
      </label>
      <label>
        Environment
        {envs.length > 0 ? (
          <select value={chosenEnv} onChange={(e) => setEnv(e.target.value)}>
            {envs.map((e) => (
              <option key={e}>{e}</option>
            ))}
          </select>
        ) : (
          <input type="text" value={env} onChange={(e) => setEnv(e.target.value)} required />
        )}
      </label>
      <label>
        Service (empty: every service)
        <input type="text" value={forService} onChange={(e) => setForService(e.target.value)} />
      </label>
      <label>
        {type === 'auto-release' ? 'Branch to release' : 'Branches allowed (regex)'}
        <input type="text" value={rule} onChange={(e) => setRule(e.target.value)} placeholder={type === 'auto-release' ? 'main' : '^master$'} required />
      </label>
      <button type="submit" disabled={disabled}>
        Add policy…
      </button>
    </form>
  );
}
