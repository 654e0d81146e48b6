// Release, promote and roll back a service, each after a confirmation that says what will change.
// A promotion the gate refuses shows the API's refusal as it is, and only then offers force with a reason.
import { useState } from 'react';
import { ApiError, type ApiClient } from '../api/client.ts';
import { ActionDialog } from './action-dialog.tsx';
import type { EnvironmentStatus, ReleaseResult } from './releases-api.ts';

export type ReleaseIntent =
  /** Release `artifact` to an environment chosen in the dialog (`env` first). */
  | { kind: 'release'; artifact: string; env: string }
  /** Promote into `env` what runs in the environment it promotes from. */
  | { kind: 'promote'; env: string }
  /** Release to `env` the artifact that ran there before (`capstan release --previous`). */
  | { kind: 'rollback'; env: string };

export interface ReleaseDialogProps {
  client: ApiClient;
  service: string;
  intent: ReleaseIntent;
  environments: EnvironmentStatus[];
  onClose(): void;
  onDone(result: ReleaseResult): void;
}

const running = (e: EnvironmentStatus | undefined): string | undefined => e?.release?.artifact;

/** The sentence the dialog asks to confirm. */
export function describeIntent(service: string, intent: ReleaseIntent, environments: EnvironmentStatus[]): string {
  const target = environments.find((e) => e.env === intent.env);
  const current = running(target);
  const replacing = current ? `, replacing ${current}` : ', its first release there';
  if (intent.kind === 'release') {
    if (current === intent.artifact) return `${intent.artifact} already runs in ${intent.env}: releasing it again changes nothing.`;
    return `Release ${service} ${intent.artifact} to ${intent.env}${replacing}.`;
  }
  if (intent.kind === 'promote') {
    const from = target?.promotesFrom;
    const source = environments.find((e) => e.env === from);
    const artifact = running(source);
    if (!from || !artifact) return `Promote ${service} to ${intent.env}: nothing runs in the environment it promotes from.`;
    if (artifact === current) return `${artifact} already runs in ${intent.env}: promoting from ${from} changes nothing.`;
    return `Promote ${service} ${artifact} from ${from} to ${intent.env}${replacing}.`;
  }
  const before = target?.release?.history[0]?.artifact;
  return `Roll back ${service} in ${intent.env} from ${current ?? 'nothing'} to ${before ?? 'the release before'}, the artifact that ran there before.`;
}

const titles = { release: 'Release', promote: 'Promote', rollback: 'Roll back' } as const;
const busyTitles = { release: 'Releasing…', promote: 'Promoting…', rollback: 'Rolling back…' } as const;

export function ReleaseDialog({ client, service, intent: initial, environments, onClose, onDone }: ReleaseDialogProps) {
  const [intent, setIntent] = useState(initial);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [refused, setRefused] = useState(false);
  const [forceReason, setForceReason] = useState('');
  const params = { service };

  const submit = async (force: boolean): Promise<void> => {
    setBusy(true);
    setError(undefined);
    const why = (force ? forceReason : reason).trim() || undefined;
    try {
      const result =
        intent.kind === 'promote'
          ? await client.post('/api/v1/services/{service}/promote', { env: intent.env, ...(force ? { force: true } : {}), ...(why ? { reason: why } : {}) }, { params })
          : await client.post(
              '/api/v1/services/{service}/release',
              { env: intent.env, ...(intent.kind === 'release' ? { artifact: intent.artifact } : { previous: true as const }), ...(why ? { reason: why } : {}) },
              { params },
            );
      onDone(result);
    } catch (err) {
      setBusy(false);
      setError(err instanceof Error ? err.message : String(err));
      // A refusal (422) of a promotion may be the gate's, which force passes; a policy's it does not.
      if (intent.kind === 'promote' && err instanceof ApiError && err.status === 422 && !err.message.startsWith('policy ')) setRefused(true);
    }
  };

  const forceBlock = refused && (
    <fieldset className="force">
      <legend>Promote anyway</legend>
      <p>Force passes the promotion gate; the commit records it with your reason.</p>
      <label>
        Why force
        <input type="text" value={forceReason} onChange={(e) => setForceReason(e.target.value)} required />
      </label>
      <button type="button" onClick={() => void submit(true)} disabled={busy || !forceReason.trim()}>
        Promote anyway (force)
      </button>
    </fieldset>
  );

  return (
    <ActionDialog
      title={`${titles[intent.kind]} ${service}`}
      confirmLabel={titles[intent.kind]}
      busyLabel={busyTitles[intent.kind]}
      busy={busy}
      error={error}
      after={forceBlock}
      onConfirm={() => void submit(false)}
      onCancel={onClose}
    >
      <p className="what">{describeIntent(service, intent, environments)}</p>
      {intent.kind === 'release' && (
        <label>
          Environment
          <select value={intent.env} onChange={(e) => setIntent({ ...intent, env: e.target.value })} disabled={busy}>
            {environments.map((e) => (
              <option key={e.env}>{e.env}</option>
            ))}
          </select>
        </label>
      )}
      <label>
        Reason (optional, recorded in the commit)
        <input type="text" value={reason} onChange={(e) => setReason(e.target.value)} disabled={busy} />
      </label>
    </ActionDialog>
  );
}

/** What a release, promotion or rollback did, in a sentence. */
export function describeResult(r: ReleaseResult): string {
  if (!r.committed) return `Nothing to do: ${r.reason ?? `${r.artifact} already runs in ${r.env}`}.`;
  const verb = r.action === 'promote' ? 'Promoted' : r.action === 'rollback' ? 'Rolled back' : 'Released';
  const what = r.action === 'rollback' ? `${r.service} in ${r.env} to ${r.artifact}` : `${r.service} ${r.artifact}${r.from ? ` from ${r.from}` : ''} to ${r.env}`;
  return `${verb} ${what}${r.previous && r.action !== 'rollback' ? `, replacing ${r.previous}` : ''} (commit ${r.commit?.slice(0, 7) ?? '?'})${r.forced ? `; forced past: ${r.forced}` : ''}.`;
}
