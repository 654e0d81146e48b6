// The object's Kubernetes events, newest first, warnings marked in words as well as colour.
import { ago } from '../overview/overview.tsx';
import type { ObjectEvent } from './object-api.ts';
import type { Loaded } from './use-load.ts';

export function EventsView({ events, subject, now }: { events: Loaded<ObjectEvent[]> | undefined; subject: string; now: number }) {
  if (!events) return <p className="muted">{subject} is not in the cluster, so it has no events.</p>;
  if (events.error)
    return (
      <p role="alert" className="error">
        {events.error}
      </p>
    );
  if (events.loading || !events.data) return <p className="loading">Reading events of {subject}…</p>;
  if (events.data.length === 0) return <p className="muted">No events for {subject}.</p>;
  const sorted = [...events.data].sort((a, b) => (b.lastTimestamp ?? b.firstTimestamp ?? '').localeCompare(a.lastTimestamp ?? a.firstTimestamp ?? ''));
  return (
    <ul className="events" aria-label={`Events of ${subject}`}>
      {sorted.map((e, i) => (
        <li key={i} className={e.type === 'Warning' ? 'event warning' : 'event'}>
          <span className="event-head">
            <strong>{e.type}</strong> {e.reason}
            {e.count > 1 && <span className="muted"> ×{e.count}</span>}
            <span className="muted" title={e.lastTimestamp ?? e.firstTimestamp}>
              {' '}
              · {ago(e.lastTimestamp ?? e.firstTimestamp, now)}
              {e.source ? ` · ${e.source}` : ''}
            </span>
          </span>
          <span className="event-message">{e.message}</span>
        </li>
      ))}
    </ul>
  );
}
