// One service: its environments in promotion order with what runs there, its newest artifacts, and
// for deployers and admins release, promote and roll back, each after a confirmation.
import { useState } from 'react';
import { canDeploy, type ApiClient, type Role } from '../api/client.ts';
import { ago } from '../overview/overview.tsx';
import { useNow } from '../use-now.ts';
import { promotionOrder, shortCommit } from './format.ts';
import { ReleaseDialog, describeResult, type ReleaseIntent } from './release-dialog.tsx';
import type { ReleaseResult, ServiceStatus } from './releases-api.ts';
import { RunningArtifact } from './running-artifact.tsx';
import type { Reloaded } from './use-reload.ts';

export interface ServiceDetailProps {
  client: ApiClient;
  service: string;
  status: Reloaded<ServiceStatus>;
  role?: Role;
  /** After a release, promotion or rollback committed. */
  onChanged?(): void;
}

/** How many of the newest artifacts are listed. */
const newest = 10;

export function ServiceDetail({ client, service, status, role, onChanged }: ServiceDetailProps) {
  const now = useNow();
  const [intent, setIntent] = useState<ReleaseIntent | undefined>();
  const [outcome, setOutcome] = useState<string | undefined>();
  const deployer = canDeploy(role);
  const detail = status.data;
  const environments = detail ? promotionOrder(detail.environments) : [];

  const open = (next: ReleaseIntent): void => {
    setOutcome(undefined);
    setIntent(next);
  };
  const done = (result: ReleaseResult): void => {
    setIntent(undefined);
    setOutcome(describeResult(result));
    status.reload();
    if (result.committed) onChanged?.();
  };
  const dialog = (where: 'environments' | 'artifacts') =>
    intent && (intent.kind === 'release') === (where === 'artifacts') && <ReleaseDialog key={JSON.stringify(intent)} client={client} service={service} intent={intent} environments={environments} onClose={() => setIntent(undefined)} onDone={done} />;

  if (!detail)
    return status.loaded ? null : <p className="loading">Loading {service}…</p>;

  return (
    <>
      {outcome && (
        <p role="status" className="result">
          {outcome}
        </p>
      )}
      <section aria-labelledby="envs-title">
        <h2 id="envs-title">Environments</h2>
        <p className="muted">
          Read at config repo commit <code title={detail.revision}>{shortCommit(detail.revision)}</code>
        </p>
        <div className="table-wrap">
          <table className="stack environments">
            <thead>
              <tr>
                <th scope="col">Environment</th>
                <th scope="col">Running</th>
                <th scope="col">Release</th>
                {deployer && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {environments.map((e) => {
                const from = e.promotesFrom ? environments.find((f) => f.env === e.promotesFrom) : undefined;
                const fromArtifact = from?.release?.artifact;
                const before = e.release?.history[0]?.artifact;
                return (
                  <tr key={e.env}>
                    <th scope="row">
                      {e.env}
                      {e.promotesFrom && <span className="muted promotes-from">promotes from {e.promotesFrom}</span>}
                    </th>
                    <td data-label="Running">
                      <RunningArtifact status={e} now={now} />
                    </td>
                    <td data-label="Release">
                      {e.release ? (
                        <>
                          {e.release.action}
                          {e.release.from ? ` from ${e.release.from}` : ''}
                          {before ? `, replacing ${before}` : ''}
                          {e.release.forced && <span className="forced"> (forced: {e.release.forced})</span>}
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    {deployer && (
                      <td data-label="Actions">
                        <div className="buttons">
                          {from &&
                            (fromArtifact && fromArtifact !== e.release?.artifact ? (
                              <button type="button" onClick={() => open({ kind: 'promote', env: e.env })}>
                                Promote {fromArtifact} to {e.env}…
                              </button>
                            ) : (
                              <span className="muted">{fromArtifact ? `up to date with ${from.env}` : `nothing in ${from.env} to promote`}</span>
                            ))}
                          {before && (
                            <button type="button" onClick={() => open({ kind: 'rollback', env: e.env })}>
                              Roll back {e.env} to {before}…
                            </button>
                          )}
                        </div>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        {dialog('environments')}
      </section>
      <section aria-labelledby="artifacts-title">
        <h2 id="artifacts-title">Newest artifacts</h2>
        {detail.artifacts.length === 0 ? (
          <p className="empty">No artifacts.</p>
        ) : (
          <div className="table-wrap">
            <table className="stack artifacts">
              <thead>
                <tr>
                  <th scope="col">Artifact</th>
                  <th scope="col">Branch</th>
                  <th scope="col">Commit</th>
                  <th scope="col">Built</th>
                  <th scope="col">Steps</th>
                  <th scope="col">Runs in</th>
                  {deployer && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {detail.artifacts.slice(0, newest).map((a) => {
                  const runsIn = environments.filter((e) => e.release?.artifact === a.id).map((e) => e.env);
                  const target = environments.find((e) => e.release?.artifact !== a.id) ?? environments[0];
                  return (
                    <tr key={a.id}>
                      <th scope="row">
                        {a.url ? (
                          <a href={a.url}>
                            <code>{a.id}</code>
                          </a>
                        ) : (
                          <code>{a.id}</code>
                        )}
                      </th>
                      <td data-label="Branch">{a.branch}</td>
                      <td data-label="Commit">
                        {a.commit ? <code title={a.commit}>{shortCommit(a.commit)}</code> : '—'} {a.author ? `by ${a.author}` : ''}
                        {a.message && <span className="muted commit-message">{a.message}</span>}
                      </td>
                      <td data-label="Built">
                        <time dateTime={a.builtAt} title={a.builtAt}>
                          {ago(a.builtAt, now)}
                        </time>
                      </td>
                      <td data-label="Steps">
                        {a.steps.length === 0 ? (
                          <span className="muted">—</span>
                        ) : (
                          a.steps.map((s) => (
                            <span key={s.name} className={`step step-${s.status}`}>
                              {s.name}: {s.status}{' '}
                            </span>
                          ))
                        )}
                      </td>
                      <td data-label="Runs in">{runsIn.length ? runsIn.join(', ') : <span className="muted">nowhere</span>}</td>
                      {deployer && (
                        <td>
                          {target && (
                            <button type="button" onClick={() => open({ kind: 'release', artifact: a.id, env: target.env })}>
                              Release {a.id}…
                            </button>
                          )}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {dialog('artifacts')}
      </section>
    </>
  );
}
