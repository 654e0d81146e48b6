// The Releases page: every service and what runs where (/releases), one service in detail with its
// actions (/releases/<service>), the policies, the release log and crash reports. Everything is
// read again, throttled, when the live app states change, so a release made elsewhere shows.
import { useMemo, useState } from 'react';
import type { ApiClient, Role } from '../api/client.ts';
import type { LiveApps } from '../live/use-live-apps.ts';
import { Link, releasesPath } from '../router.tsx';
import { CrashReports } from './crash-reports.tsx';
import { liveSignature, promotionOrder } from './format.ts';
import { Policies } from './policies.tsx';
import { ReleaseLog } from './release-log.tsx';
import { ServiceDetail } from './service-detail.tsx';
import { environmentsOf, readServices, ServiceList } from './service-list.tsx';
import { useReload } from './use-reload.ts';
import './releases.css';

export interface ReleasesPageProps {
  live: LiveApps;
  client: ApiClient;
  /** Undefined: the list of services. */
  service?: string;
  role?: Role;
}

export function ReleasesPage({ live, client, service, role }: ReleasesPageProps) {
  const changes = useMemo(() => (live.loaded ? liveSignature(live.apps) : undefined), [live.loaded, live.apps]);
  return (
    <section className="releases">
      {service === undefined ? <AllServices client={client} role={role} changes={changes} /> : <OneService key={service} client={client} service={service} role={role} changes={changes} />}
    </section>
  );
}

interface PartProps {
  client: ApiClient;
  role?: Role;
  changes?: string;
}

function AllServices({ client, role, changes }: PartProps) {
  const services = useReload((signal) => readServices(client, signal), 'services', { changes });
  const envs = useMemo(() => environmentsOf(services.data ?? []), [services.data]);
  const names = (services.data ?? []).map((r) => r.summary.service);
  const log = useLogChanges(changes);
  return (
    <>
      <h1>Releases</h1>
      <ServiceList services={services} />
      <Policies client={client} role={role} envs={envs} changes={changes} onChanged={log.changed} />
      <ReleaseLog client={client} services={names} envs={envs} changes={log.changes} />
      <CrashReports client={client} changes={changes} />
    </>
  );
}

function OneService({ client, service, role, changes }: PartProps & { service: string }) {
  const status = useReload((signal) => client.get('/api/v1/services/{service}', { params: { service }, signal }), service, { changes });
  const environments = status.data ? promotionOrder(status.data.environments) : [];
  const envs = environments.map((e) => e.env);
  const apps = [...new Set(environments.flatMap((e) => e.apps))];
  const log = useLogChanges(changes);
  return (
    <>
      <p>
        <Link href={releasesPath()}>← Releases</Link>
      </p>
      <h1>
        {service} <span className="muted">releases</span>
      </h1>
      {status.error && (
        <p role="alert" className="error">
          {status.error}
        </p>
      )}
      <ServiceDetail client={client} service={service} status={status} role={role} onChanged={log.changed} />
      {status.data && (
        <>
          <Policies client={client} role={role} service={service} envs={envs} changes={changes} onChanged={log.changed} />
          <ReleaseLog client={client} service={service} envs={envs} changes={log.changes} />
          <CrashReports client={client} service={service} apps={apps} changes={changes} />
        </>
      )}
    </>
  );
}

/** The log's re-read signal: the live changes, and each change made on this page (a commit the log lists). */
function useLogChanges(changes: string | undefined): { changes?: string; changed(): void } {
  const [made, setMade] = useState(0);
  return { changes: changes === undefined ? undefined : `${changes}#${made}`, changed: () => setMade((n) => n + 1) };
}
