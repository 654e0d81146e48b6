import { formatKey } from '../core/index.ts';
import type { ApplyProgressEvent } from '../apply/index.ts';

export interface Progress {
  onProgress?: (event: ApplyProgressEvent) => void;
  onStart?: (app: { name: string; env: string }, revision: string) => void;
  /** Another process holds the app's sync: this one waits for it. */
  onLockWait?: (holder: { identity: string; since: string }) => void;
  /** Clears a pending status line; safe to call more than once. */
  done(): void;
}

/**
 * Progress of an apply on stderr (stdout keeps the summary or the JSON): a line per object that
 * changed, and while waiting for health a status line that is redrawn on a terminal and printed
 * every 10 s otherwise. Off for `-o json|yaml`.
 */
export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled) return { done() {} };
  const tty = stream.isTTY === true;
  let statusShown = false;
  let lastPrinted = 0;
  const clear = (): void => {
    if (statusShown) stream.write('\r\x1b[2K');
    statusShown = false;
  };
  const line = (text: string): void => {
    clear();
    stream.write(`${text}\n`);
  };
  return {
    onStart(app, revision) {
      line(`${app.name} (${app.env}) at ${revision.slice(0, 12)}`);
    },
    onLockWait(holder) {
      line(`  waiting for ${holder.identity}, syncing this app since ${holder.since}`);
    },
    onProgress(event) {
      switch (event.type) {
        case 'validated':
          line(`  validated ${event.objects} objects (server-side dry-run)${event.deferred ? `, ${event.deferred} after their namespace or CRD exists` : ''}`);
          break;
        case 'stage':
          break;
        case 'change': {
          const { change } = event;
          if (change.action === 'unchanged') break;
          const hook = change.hook ? ` [${change.hook} hook]` : '';
          line(`  ${change.action.padEnd(10)} ${formatKey(change.key)}${hook}${change.message ? `: ${change.message}` : ''}`);
          break;
        }
        case 'waiting': {
          const stage = event.phase === 'Sync' ? `wave ${event.wave}` : `${event.phase} hooks`;
          const text = `  waiting for ${stage} (${Math.round(event.elapsedMs / 1000)}s): ${event.health.message ?? event.health.status}`;
          if (tty) {
            clear();
            stream.write(text.slice(0, (stream.columns ?? 120) - 1));
            statusShown = true;
          } else if (Date.now() - lastPrinted >= 10_000) {
            lastPrinted = Date.now();
            line(text);
          }
          break;
        }
        case 'healthy':
          clear();
          break;
        case 'prune':
          if (event.targets > 0) line(`  pruning ${event.targets} objects no longer rendered`);
          break;
        default:
          break;
      }
    },
    done: clear,
  };
}
