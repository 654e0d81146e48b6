// The release history read from git, newest first: every release, promotion, rollback,
// auto-release and policy change, with who and when; filtered by service and environment.
import { useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { ago } from '../overview/overview.tsx';
import { useNow } from '../use-now.ts';
import { shortCommit } from './format.ts';
import { readReleaseLog } from './releases-api.ts';
import { useReload } from './use-reload.ts';

export interface ReleaseLogProps {
  client: ApiClient;
  /** A fixed service (its page); otherwise one may be chosen among `services`. */
  service?: string;
  services?: string[];
  envs: string[];
  changes?: string;
}

export function ReleaseLog({ client, service: fixed, services = [], envs, changes }: ReleaseLogProps) {
  const now = useNow();
  const [chosen, setChosen] = useState('');
  const [env, setEnv] = useState('');
  const service = fixed ?? chosen;
  const log = useReload((signal) => readReleaseLog(client, { service, env, limit: 50 }, signal), `${service}\n${env}`, { changes });
  const entries = log.data ?? [];
  return (
    <section aria-labelledby="log-title" className="release-log">
      <h2 id="log-title">Release log</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter the release log">
        {fixed === undefined && (
          <label>
            Service
            <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
              <option value="">All</option>
              {services.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          Environment
          <select value={env} onChange={(e) => setEnv(e.target.value)}>
            <option value="">All</option>
            {envs.map((e) => (
              <option key={e}>{e}</option>
            ))}
          </select>
        </label>
      </form>
      {log.error && (
        <p role="alert" className="error">
          {log.error}
        </p>
      )}
      {!log.loaded && !log.data ? (
        <p className="loading">Loading the release log…</p>
      ) : entries.length === 0 ? (
        !log.error && <p className="empty">Nothing released yet{service || env ? ' that matches' : ''}.</p>
      ) : (
        <div className="table-wrap">
          <table className="stack log">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">Commit</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.commit}>
                  <td data-label="When">
                    <time dateTime={e.date} title={e.date}>
                      {ago(e.date, now)}
                    </time>
                  </td>
                  <td data-label="What">
                    <span className={`log-action action-${e.action}`}>{e.action}</span> {e.subject}
                    {e.forced && <span className="forced"> (forced: {e.forced})</span>}
                  </td>
                  <td data-label="Who">{e.author}</td>
                  <td data-label="Commit">
                    <code title={e.commit}>{shortCommit(e.commit)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
