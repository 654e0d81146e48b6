// Crashing containers the agent reported, per app and environment, with their last log lines.
import type { ApiClient } from '../api/client.ts';
import { ago } from '../overview/overview.tsx';
import { appPath, Link } from '../router.tsx';
import { useNow } from '../use-now.ts';
import { shortCommit } from './format.ts';
import { readCrashReports, type CrashReport } from './releases-api.ts';
import { useReload } from './use-reload.ts';

export interface CrashReportsProps {
  client: ApiClient;
  /** Only reports of this service (its release, or one of its apps). */
  service?: string;
  apps?: string[];
  changes?: string;
}

const covers = (r: CrashReport, service: string | undefined, apps: string[] | undefined): boolean =>
  service === undefined || r.release?.service === service || (apps ?? [service]).includes(r.app);

export function CrashReports({ client, service, apps, changes }: CrashReportsProps) {
  const now = useNow();
  const crashes = useReload((signal) => readCrashReports(client, signal), 'crashes', { changes });
  const reports = (crashes.data ?? []).filter((r) => covers(r, service, apps));
  const groups = new Map<string, CrashReport[]>();
  for (const r of reports) groups.set(`${r.env}/${r.app}`, [...(groups.get(`${r.env}/${r.app}`) ?? []), r]);
  return (
    <section aria-labelledby="crashes-title" className="crashes">
      <h2 id="crashes-title">Crash reports</h2>
      {crashes.error && (
        <p role="alert" className="error">
          {crashes.error}
        </p>
      )}
      {!crashes.loaded && !crashes.data ? (
        <p className="loading">Loading crash reports…</p>
      ) : reports.length === 0 ? (
        !crashes.error && <p className="empty">No crash reports.</p>
      ) : (
        [...groups.values()].map((group) => (
          <section key={`${group[0].env}/${group[0].app}`} className="crash-group" aria-label={`Crashes of ${group[0].app} in ${group[0].env}`}>
            <h3>
              <Link href={appPath(group[0].env, group[0].app)}>{group[0].app}</Link> <span className="muted">in {group[0].env}</span>
            </h3>
            {group.map((r) => (
              <article key={`${r.pod}/${r.container}/${r.time}`} className="crash">
                <p>
                  <strong>
                    {r.pod}/{r.container}
                  </strong>
                  : {r.reason}
                  {r.exitCode !== undefined ? `, exit code ${r.exitCode}` : ''}, {r.restartCount} restart{r.restartCount === 1 ? '' : 's'},{' '}
                  <time dateTime={r.time} title={r.time}>
                    {ago(r.time, now)}
                  </time>
                </p>
                {r.release && (
                  <p className="muted">
                    Release {r.release.artifact}
                    {r.release.branch ? ` of ${r.release.branch}` : ''}
                    {r.release.commit ? `, commit ${shortCommit(r.release.commit)}` : ''}
                    {r.release.author ? ` by ${r.release.author}` : ''}
                    {r.release.releasedBy ? `, released by ${r.release.releasedBy}` : ''}
                  </p>
                )}
                {r.message && <p className="crash-message">{r.message}</p>}
                {r.logLines.length > 0 ? (
                  <pre className="crash-lines" tabIndex={0} aria-label={`Last log lines of ${r.pod}/${r.container}`} role="region">
                    {r.logLines.join('\n')}
                  </pre>
                ) : (
                  <p className="muted">No log lines.</p>
                )}
              </article>
            ))}
          </section>
        ))
      )}
    </section>
  );
}
