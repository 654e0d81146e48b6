/**
 * What the agent tells people and the cluster, read from its own events: the notifier follows
 * capstan.yaml's `notifications:` at each revision; a failed sync (or an app that cannot be
 * compared) is notified once per streak of failures, not at every retry; drift when it is found;
 * and each sync result is recorded as a Kubernetes Event on the app's inventory.
 */
import type { NotificationTarget } from '../core/index.ts';
import type { RepoRevision } from '../engine/index.ts';
import { configMapName } from '../inventory/index.ts';
import type { KubeEventRecorder, Notifier } from '../notify/index.ts';
import { appId, type AgentEvent, type AppRef } from './types.ts';

export interface AgentNotificationsOptions {
  notifier: Notifier;
  events?: KubeEventRecorder;
  /** The agent's current revision (its capstan.yaml). */
  head(): RepoRevision | undefined;
  /** The kubeconfig context of an app's cluster. */
  clusterOf(ref: AppRef): string | undefined;
}

export class AgentNotifications {
  /** Apps whose failure has been notified, until they sync or compare cleanly again. */
  private readonly failing = new Set<string>();
  /** The targets the notifier was last given, as JSON. */
  private configured: string | undefined;

  constructor(private readonly options: AgentNotificationsOptions) {}

  /** Handles one of the agent's events (subscribe it to the app table). */
  handle(event: AgentEvent): void {
    switch (event.type) {
      case 'revision':
        this.configure(this.options.head()?.project.notifications ?? []);
        return;
      case 'sync': {
        const { result } = event;
        const ref = { app: result.app, env: result.env };
        this.options.events?.recordSync({ app: ref.app, env: ref.env, context: this.options.clusterOf(ref), inventory: configMapName(ref.app, ref.env), revision: result.revision, result: result.result, counts: result.counts, message: result.message });
        if (result.result === 'Failed') this.failed(ref, result.revision, result.message ?? 'the sync failed');
        else this.failing.delete(appId(ref));
        return;
      }
      case 'app': {
        const { state } = event;
        // an app that cannot be compared (its render failed, the server refused an object) fails as a sync would
        if (state.sync === 'Unknown' && state.error && !state.operation) this.failed(state, state.targetRevision, state.error);
        else if (state.sync === 'Synced' && !state.error) this.failing.delete(appId(state));
        return;
      }
      case 'drift':
        this.options.notifier.notify({ type: 'drift', app: event.state.app, env: event.state.env, objects: [...event.objects], selfHeal: event.state.selfHeal && event.state.automated });
        return;
    }
  }

  private failed(ref: AppRef, revision: string, message: string): void {
    const id = appId(ref);
    if (this.failing.has(id)) return;
    this.failing.add(id);
    this.options.notifier.notify({ type: 'sync-failed', app: ref.app, env: ref.env, revision, message });
  }

  private configure(targets: readonly NotificationTarget[]): void {
    const json = JSON.stringify(targets);
    if (json === this.configured) return;
    this.configured = json;
    this.options.notifier.configure(targets);
  }
}
