// Test helpers of the app page: the page rendered alone over a FakeApi (a live state the test
// changes by re-rendering), an app with a Deployment → ReplicaSet → Pod tree, and pod log streams
// the test writes to.
import { render } from '@testing-library/react';
import { createApiClient, type AppState, type Role } from '../api/client.ts';
import type { LiveApps } from '../live/use-live-apps.ts';
import { appState, FakeApi } from '../testing.ts';
import { AppPage } from './app-page.tsx';

export const applied = 'a'.repeat(40);
export const older = 'c'.repeat(40);

export const deployment = { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' };
export const replicaSet = { group: 'apps', kind: 'ReplicaSet', namespace: 'web', name: 'web-7d9f' };
export const pod = { group: '', kind: 'Pod', namespace: 'web', name: 'web-7d9f-x2k4p' };
export const configMap = { group: '', kind: 'ConfigMap', namespace: 'web', name: 'config' };

export const resources = [
  {
    apiVersion: 'apps/v1',
    key: deployment,
    health: 'Progressing',
    healthMessage: '1 of 2 replicas ready',
    sync: 'OutOfSync',
    children: [{ apiVersion: 'apps/v1', key: replicaSet, health: 'Progressing', children: [{ apiVersion: 'v1', key: pod, health: 'Healthy' }] }],
  },
  { apiVersion: 'v1', key: configMap, health: 'Healthy', sync: 'Synced' },
];

export const deploymentDiff = [
  '===================================================================',
  '--- live/Deployment/web/web',
  '+++ desired/Deployment/web/web',
  '@@ -3,4 +3,4 @@',
  ' metadata:',
  '   name: web',
  ' spec:',
  '-  replicas: 2',
  '+  replicas: 3',
  '',
].join('\n');

/** One open follow=true log request: the test sends lines; `aborted` once the page stopped it. */
export interface LogStream {
  path: string;
  line(text: string): void;
  /** The log ended (with the API's message when reading it failed). */
  end(error?: string): void;
  aborted: boolean;
}

export interface PageOptions {
  role?: Role;
  state?: Partial<AppState>;
  /** The URL's query (`?object=…`). */
  search?: string;
  /** Changes to the fake API before the page first reads it. */
  setup?(api: FakeApi): void;
}

export function renderPage(options: PageOptions = {}) {
  const api = new FakeApi();
  const token = `${options.role ?? 'admin'}-token`;
  const logStreams: LogStream[] = [];
  api.routes.set('GET /api/v1/apps/dev/web/resources', () => ({ status: 200, body: resources }));
  api.routes.set('GET /api/v1/apps/dev/web/diff', () => ({
    status: 200,
    body: {
      app: 'web',
      env: 'dev',
      revision: 'b'.repeat(40),
      changed: true,
      diffs: [
        { key: deployment, action: 'update', unified: deploymentDiff, changedPaths: ['spec.replicas'] },
        { key: configMap, action: 'unchanged', unified: '', changedPaths: [] },
      ],
    },
  }));
  api.routes.set('GET /api/v1/apps/dev/web/history', () => ({
    status: 200,
    body: [
      { id: 1, operation: 'sync', revision: older, time: '2024-05-01T10:00:00Z', result: 'Succeeded', who: 'ci', trigger: 'push', changes: { created: 2 } },
      { id: 2, operation: 'sync', revision: 'd'.repeat(40), time: '2024-05-02T10:00:00Z', result: 'Failed', who: 'ci', changes: { failed: 1 }, message: 'Deployment/web/web apply failed' },
      { id: 3, operation: 'sync', revision: applied, time: '2024-05-03T10:00:00Z', result: 'Succeeded', who: 'ana', trigger: 'manual', changes: { configured: 1 } },
    ],
  }));
  api.routes.set('GET /api/v1/apps/dev/web/object', () => ({
    status: 200,
    body: { apiVersion: 'apps/v1', key: deployment, manifest: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web' }, spec: { replicas: 2 } } },
  }));

  options.setup?.(api);

  const encoder = new TextEncoder();
  const fetchImpl = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://agent.test');
    if (!url.pathname.endsWith('/logs') || url.searchParams.get('follow') !== 'true') return api.fetch(input, init);
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    const stream: LogStream = {
      path: url.pathname + url.search,
      aborted: false,
      line: (text) => controller.enqueue(encoder.encode(`event: line\ndata: ${JSON.stringify(text)}\n\n`)),
      end: (error) => {
        controller.enqueue(encoder.encode(`event: end\ndata: ${JSON.stringify(error ? { error } : {})}\n\n`));
        controller.close();
      },
    };
    init.signal?.addEventListener('abort', () => {
      stream.aborted = true;
      controller.error(new DOMException('aborted', 'AbortError'));
    });
    logStreams.push(stream);
    return { ok: true, status: 200, statusText: 'OK', headers: new Headers({ 'content-type': 'text/event-stream' }), body, json: async () => undefined } as unknown as Response;
  }) as typeof fetch;

  const client = createApiClient({ token, fetch: fetchImpl });
  const live = (state: AppState): LiveApps => ({ apps: [state], loaded: true, stream: 'open', reconnecting: false, reconnected: false });
  const page = (state: AppState) => <AppPage live={live(state)} client={client} env="dev" app="web" role={options.role ?? 'admin'} refreshMs={0} />;
  window.history.replaceState(null, '', `/apps/dev/web${options.search ?? ''}`);
  const state = appState('web', 'dev', { revision: applied, sync: 'OutOfSync', health: 'Progressing', ...options.state });
  const view = render(page(state));
  return {
    api,
    logStreams,
    /** A new live state of the app, as the events stream would bring it. */
    update: (extra: Partial<AppState>) => view.rerender(page({ ...state, ...extra })),
    requests: (path: string) => api.requests.filter((r) => r.path.split('?')[0] === path),
  };
}
