// Every service and, per environment in promotion order, the artifact running there. Each service's
// detail is read too: it has the artifact's commit and author and the live sync and health.
import { useMemo } from 'react';
import type { ApiClient } from '../api/client.ts';
import { Link, releasesPath } from '../router.tsx';
import { useNow } from '../use-now.ts';
import { promotionOrder } from './format.ts';
import type { ServiceStatus, ServiceSummary } from './releases-api.ts';
import { RunningArtifact } from './running-artifact.tsx';
import type { Reloaded } from './use-reload.ts';

export interface ServiceRow {
  summary: ServiceSummary;
  /** Undefined when it could not be read: the summary is shown. */
  detail?: ServiceStatus;
}

export async function readServices(client: ApiClient, signal: AbortSignal): Promise<ServiceRow[]> {
  const summaries = await client.get('/api/v1/services', { signal });
  const details = await Promise.all(summaries.map((s) => client.get('/api/v1/services/{service}', { params: { service: s.service }, signal }).catch(() => undefined)));
  return summaries.map((summary, i) => ({ summary, ...(details[i] ? { detail: details[i] } : {}) }));
}

/** The environments of every service, in promotion order. */
export function environmentsOf(rows: ServiceRow[]): string[] {
  const envs = new Map<string, { env: string; promotesFrom?: string }>();
  for (const row of rows) {
    for (const e of row.detail?.environments ?? []) if (!envs.get(e.env)?.promotesFrom) envs.set(e.env, { env: e.env, ...(e.promotesFrom ? { promotesFrom: e.promotesFrom } : {}) });
    for (const e of row.summary.environments) if (!envs.has(e.env)) envs.set(e.env, { env: e.env });
  }
  return promotionOrder([...envs.values()]).map((e) => e.env);
}

export interface ServiceListProps {
  services: Reloaded<ServiceRow[]>;
}

export function ServiceList({ services }: ServiceListProps) {
  const now = useNow();
  const rows = useMemo(() => services.data ?? [], [services.data]);
  const envs = useMemo(() => environmentsOf(rows), [rows]);
  return (
      <section aria-labelledby="services-title">
        <h2 id="services-title">Services</h2>
        {services.error && (
          <p role="alert" className="error">
            {services.error}
          </p>
        )}
        {!services.loaded && !services.data ? (
          <p className="loading">Loading services…</p>
        ) : rows.length === 0 ? (
          !services.error && <p className="empty">No services yet: CI publishes artifacts with capstan artifact push.</p>
        ) : (
          <div className="table-wrap">
            <table className="services stack">
              <caption className="visually-hidden">What runs in each environment, per service</caption>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  {envs.map((env) => (
                    <th key={env} scope="col">
                      {env}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map(({ summary, detail }) => (
                  <tr key={summary.service}>
                    <th scope="row">
                      <Link href={releasesPath(summary.service)}>{summary.service}</Link>
                      <span className="muted artifacts-count">
                        {summary.artifacts} artifact{summary.artifacts === 1 ? '' : 's'}
                      </span>
                    </th>
                    {envs.map((env) => {
                      const s = summary.environments.find((e) => e.env === env);
                      const d = detail?.environments.find((e) => e.env === env);
                      return (
                        <td key={env} data-label={env}>
                          {s || d ? <RunningArtifact status={d} artifact={s?.artifact} branch={s?.branch} releasedAt={s?.releasedAt} releasedBy={s?.releasedBy} now={now} /> : <span className="muted">—</span>}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
  );
}
