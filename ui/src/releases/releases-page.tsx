// The Releases page: every service and what runs where (/releases), one service in detail with its
// actions (/releases/<service>), the policies, the release log and crash reports.
import type { ApiClient, Role } from '../api/client.ts';
import type { LiveApps } from '../live/use-live-apps.ts';
import './releases.css';

export interface ReleasesPageProps {
  live: LiveApps;
  client: ApiClient;
  /** Undefined: the list of services. */
  service?: string;
  role?: Role;
}

export function ReleasesPage({ service }: ReleasesPageProps) {
  return (
    <section className="releases">
      <h1>{service ?? 'Releases'}</h1>
    </section>
  );
}
