import { memo, useMemo, useRef } from 'react';
import type { ApiClient, AppState } from '../api/client.ts';
import type { LiveApps } from '../live/use-live-apps.ts';
import './overview.css';
import { appPath, Link, navigate } from '../router.tsx';
import { StateBadge } from '../state-badge.tsx';
import { useNow } from '../use-now.ts';
import { authorName, useCommits, type CommitInfo, type Commits } from './use-commits.ts';
import { useRowWindow } from './use-row-window.ts';
import { applyFilters, countStates, environmentsOf, filterQuery, healthCodes, readFilters, syncLabel, syncLabels, type Filters } from './filters.ts';

export interface OverviewProps {
  live: LiveApps;
  search: URLSearchParams;
  /** Reads the target commits' subjects and authors; without it only their SHAs are shown. */
  client?: ApiClient;
}

const shortRevision = (rev: string): string => (rev ? rev.slice(0, 7) : '—');

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.max(0, seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** `abc1234 Fix the login — Ada Lovelace, 2026-12-07T04:00:00Z`: a commit for a title. */
function describeCommit(sha: string, commit: CommitInfo | null | undefined): string {
  if (!sha) return 'unknown';
  return commit ? `${shortRevision(sha)} ${commit.subject} — ${commit.author}, ${commit.time}` : sha;
}

export function Overview({ live, search, client }: OverviewProps) {
  const filters = readFilters(search);
  const setFilters = (change: Partial<Filters>, replace = false): void => navigate(`/${filterQuery({ ...filters, ...change })}`, { replace });
  const envs = useMemo(() => environmentsOf(live.apps), [live.apps]);
  // A few hundred rows filter in well under a millisecond: no memo needed.
  const rows = applyFilters(live.apps, filters);
  const counts = countStates(applyFilters(live.apps, filters, { ignore: ['health', 'sync'] }));
  const commits = useCommits(client, rows.map((s) => s.targetRevision));

  return (
    <section className="overview">
      <h1>Applications</h1>
      {live.loaded && (
        <section aria-label="Counts" className="counts">
          <CountGroup title="Health" label="Counts by health" counts={counts.health} selected={filters.health} onSelect={(health) => setFilters({ health })} />
          <CountGroup title="Sync" label="Counts by sync" counts={counts.sync} selected={filters.sync} onSelect={(sync) => setFilters({ sync })} />
        </section>
      )}
      <form role="search" className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Environment
          <select value={filters.env ?? ''} onChange={(e) => setFilters({ env: e.target.value || undefined })}>
            <option value="">All</option>
            {envs.map((env) => (
              <option key={env}>{env}</option>
            ))}
          </select>
        </label>
        <label>
          Health
          <select value={filters.health ?? ''} onChange={(e) => setFilters({ health: e.target.value || undefined })}>
            <option value="">All</option>
            {healthCodes.map((h) => (
              <option key={h}>{h}</option>
            ))}
          </select>
        </label>
        <label>
          Sync
          <select value={filters.sync ?? ''} onChange={(e) => setFilters({ sync: e.target.value || undefined })}>
            <option value="">All</option>
            {syncLabels.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input type="search" value={filters.q ?? ''} placeholder="Search apps" onChange={(e) => setFilters({ q: e.target.value || undefined }, true)} />
        </label>
        <div className="view-toggle" role="group" aria-label="View">
          <button type="button" aria-pressed={filters.view === 'list'} onClick={() => setFilters({ view: 'list' })}>
            List
          </button>
          <button type="button" aria-pressed={filters.view === 'matrix'} onClick={() => setFilters({ view: 'matrix' })}>
            Matrix
          </button>
        </div>
      </form>
      {live.error && (
        <p role="alert" className="error">
          {live.error}
        </p>
      )}
      {!live.loaded ? (
        <p className="loading">Loading applications…</p>
      ) : rows.length === 0 ? (
        <p className="empty">{live.apps.length === 0 ? 'No applications yet.' : 'No applications match the filters.'}</p>
      ) : filters.view === 'matrix' ? (
        <Matrix rows={rows} envs={filters.env ? [filters.env] : envs} commits={commits} />
      ) : (
        <List rows={rows} commits={commits} />
      )}
    </section>
  );
}

function CountGroup<K extends string>({ title, label, counts, selected, onSelect }: { title: string; label: string; counts: Record<K, number>; selected?: string; onSelect(value: K | undefined): void }) {
  const entries = (Object.entries(counts) as Array<[K, number]>).filter(([, n]) => n > 0);
  return (
    <div className="count-group" role="group" aria-label={label}>
      <span className="count-title" aria-hidden="true">
        {title}
      </span>
      {entries.length === 0 && <span className="muted">none</span>}
      {entries.map(([code, n]) => (
        <button key={code} type="button" className={`count state-${code}`} aria-pressed={selected === code} onClick={() => onSelect(selected === code ? undefined : code)}>
          {code} <strong>{n}</strong>
        </button>
      ))}
    </div>
  );
}

/** A spacer row standing for `height` px of rows not rendered (see use-row-window.ts). */
function Spacer({ height, columns }: { height: number; columns: number }) {
  if (height <= 0) return null;
  return (
    <tr className="spacer" aria-hidden="true">
      <td colSpan={columns} style={{ height }} />
    </tr>
  );
}

function List({ rows, commits }: { rows: AppState[]; commits: Commits }) {
  const now = useNow();
  const body = useRef<HTMLTableSectionElement>(null);
  const view = useRowWindow(body, rows.length);
  return (
    <div className="table-wrap">
      <table className={view.windowed ? 'apps windowed' : 'apps'} aria-rowcount={rows.length + 1}>
        <caption className="visually-hidden">Applications by environment</caption>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">App</th>
            <th scope="col">Environment</th>
            <th scope="col">Sync</th>
            <th scope="col">Health</th>
            <th scope="col">Revision</th>
            <th scope="col">Last sync</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody ref={body}>
          <Spacer height={view.before} columns={7} />
          {rows.slice(view.start, view.end).map((s, i) => (
            <Row key={`${s.env}/${s.app}`} s={s} now={now} index={view.start + i} commit={commits.get(s.targetRevision)} />
          ))}
          <Spacer height={view.after} columns={7} />
        </tbody>
      </table>
    </div>
  );
}

/** One app in one environment; re-rendered only when its state, its target commit (or the minute) changes. */
const Row = memo(function Row({ s, now, index, commit }: { s: AppState; now: number; index: number; commit: CommitInfo | null | undefined }) {
  const status = notes(s);
  const target = `target ${describeCommit(s.targetRevision, commit)}`;
  return (
    <tr aria-rowindex={index + 2}>
      <th scope="row">
        <Link href={appPath(s.env, s.app)}>{s.app}</Link>
        {commit && (
          <span className="commit-line" title={target}>
            <code>{shortRevision(s.targetRevision)}</code> {commit.subject}
          </span>
        )}
      </th>
      <td>{s.env}</td>
      <td>
        <StateBadge code={syncLabel(s)} />
      </td>
      <td>
        <StateBadge code={s.health} title={s.healthMessage} />
      </td>
      <td className="revision" title={`applied ${s.revision || 'never'} · ${target}`}>
        <code>{shortRevision(s.revision)}</code>
        {s.targetRevision && s.targetRevision !== s.revision && <> → <code>{shortRevision(s.targetRevision)}</code></>}
        {commit && (
          <span className="commit">
            {' '}
            {commit.subject} · {authorName(commit.author)}
          </span>
        )}
      </td>
      <td>
        {s.lastSync ? (
          <span title={s.lastSync.finishedAt}>
            {s.lastSync.result === 'Failed' ? 'failed ' : ''}
            {ago(s.lastSync.finishedAt, now)}
          </span>
        ) : (
          '—'
        )}
      </td>
      <td className="notes" title={status || undefined}>
        {status}
      </td>
    </tr>
  );
});

/** What else is worth a glance: an operation in progress, drift, failures, an error. */
function notes(s: AppState): string {
  const out: string[] = [];
  if (s.operation) out.push(s.operation.phase === 'running' ? 'syncing' : 'sync queued');
  if (s.drift) out.push(`drift: ${s.drift.objects.length} object${s.drift.objects.length === 1 ? '' : 's'}`);
  if (s.failures > 0) out.push(`${s.failures} failed sync${s.failures === 1 ? '' : 's'}`);
  if (s.orphaned) out.push('removed from git');
  if (s.error) out.push(s.error);
  return out.join(' · ');
}

function Matrix({ rows, envs, commits }: { rows: AppState[]; envs: string[]; commits: Commits }) {
  const byApp = new Map<string, Map<string, AppState>>();
  for (const s of rows) {
    if (!byApp.has(s.app)) byApp.set(s.app, new Map());
    byApp.get(s.app)!.set(s.env, s);
  }
  const apps = [...byApp];
  const body = useRef<HTMLTableSectionElement>(null);
  const view = useRowWindow(body, apps.length);
  return (
    <div className="table-wrap">
      <table className={view.windowed ? 'matrix windowed' : 'matrix'} aria-rowcount={apps.length + 1}>
        <caption className="visually-hidden">Applications by environment (matrix)</caption>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">App</th>
            {envs.map((env) => (
              <th scope="col" key={env}>
                {env}
              </th>
            ))}
          </tr>
        </thead>
        <tbody ref={body}>
          <Spacer height={view.before} columns={envs.length + 1} />
          {apps.slice(view.start, view.end).map(([app, cells], i) => (
            <tr key={app} aria-rowindex={view.start + i + 2}>
              <th scope="row">{app}</th>
              {envs.map((env) => {
                const s = cells.get(env);
                return (
                  <td key={env}>
                    {s ? (
                      <Link href={appPath(env, app)} aria-label={`${app} in ${env}: ${syncLabel(s)}, ${s.health}`} className="cell">
                        <StateBadge code={syncLabel(s)} /> <StateBadge code={s.health} />
                      </Link>
                    ) : (
                      <span className="muted" aria-label="not deployed">
                        —
                      </span>
                    )}
                    {s?.targetRevision && (
                      <code className="sha" title={`target ${describeCommit(s.targetRevision, commits.get(s.targetRevision))}`}>
                        {shortRevision(s.targetRevision)}
                      </code>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
          <Spacer height={view.after} columns={envs.length + 1} />
        </tbody>
      </table>
    </div>
  );
}
