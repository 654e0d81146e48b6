/**
 * Server-side printing: the `meta.k8s.io/v1` Table the API server returns for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` asks for).
 *
 * Built-in kinds follow the printers of k8s pkg/printers/internalversion, generated as the server
 * does (every column, priority-1 "wide" ones included; kubectl hides them unless `-o wide`). Kinds
 * without a printer get the default convertor (NAME, CREATED AT). Custom resources get NAME plus the
 * CRD's additionalPrinterColumns, or NAME and AGE when the CRD declares none (a CRD that declares
 * columns and wants an AGE lists `.metadata.creationTimestamp` itself, as on a real cluster).
 * Pure: no I/O, no logging; rows reference the input objects (serialize before mutating them).
 */

import { formatLabels, labelSelectorAsMatcher } from './label-selector.ts';
import type { KubeObject, PrinterColumn, ResourceType } from './types.ts';
import { formatTime } from './time.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** `includeObject` query parameter; kubectl's default request yields `Metadata`. */
  includeObject: IncludeObject;
  /** The server's clock, for AGE-like cells. */
  now: Date;
  /** The list's metadata; when absent and there is a single object, its resourceVersion is used. */
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** `TableOptions.noHeaders` (e.g. watch events after the first): `columnDefinitions` is null. */
  noHeaders?: boolean;
}

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: 'Completed';
  status: 'True';
  reason: string;
  message: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata, the full object, or null, per `includeObject`. */
  object: unknown;
}

export type Table = {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[] | null;
};

type Obj = Record<string, unknown>;
type TableType = Pick<ResourceType, 'group' | 'kind' | 'custom' | 'printerColumns'>;

// ---------------------------------------------------------------------------
// Durations and timestamps (k8s.io/apimachinery/pkg/util/duration)
// ---------------------------------------------------------------------------

/** `duration.HumanDuration`: 2-3 significant figures, e.g. `5s`, `3m2s`, `10m`, `5h4m`, `2d3h`, `3y20d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** `translateTimestampSince`: `<unknown>` for a missing timestamp. */
function since(v: unknown, now: number): string {
  const t = parseTime(v);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

// ---------------------------------------------------------------------------
// Narrowing helpers
// ---------------------------------------------------------------------------

function rec(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function recs(v: unknown): Obj[] {
  return list(v).map(rec);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function int(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : fallback;
}

function has(o: Obj, key: string): boolean {
  return Object.hasOwn(o, key) && o[key] !== null && o[key] !== undefined;
}

function count(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  return 0;
}

function strMap(v: unknown): Record<string, string> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = String(val);
  return out;
}

/** `metav1.FormatLabelSelector`: `<none>` when empty, `<error>` when invalid. */
function formatLabelSelector(selector: unknown): string {
  try {
    const s = labelSelectorAsMatcher(selector ?? undefined).toString();
    return s === '' ? '<none>' : s;
  } catch {
    return '<error>';
  }
}

/** `IntOrString.String()`. */
function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(Math.trunc(v)) : str(v);
}

function boolPtr(v: unknown): string {
  if (typeof v !== 'boolean') return '<unset>';
  return v ? 'True' : 'False';
}

/** Names and images of containers, comma-joined (`layoutContainerCells`). */
function containerCells(podSpec: Obj): [string, string] {
  const cs = recs(podSpec.containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

function templateSpec(spec: Obj): Obj {
  return rec(rec(spec.template).spec);
}

function uniqueSorted(values: string[]): string[] {
  return [...new Set(values)].sort();
}

// ---------------------------------------------------------------------------
// Column definitions
// ---------------------------------------------------------------------------

const NAME_DESC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
const CONTAINERS_DESC = 'Names of each container in the template.';
const IMAGES_DESC = 'Images referenced by each container in the template.';
const NODE_ADDRESSES_DESC =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

const NAME = col('Name', 'string', NAME_DESC, 0, 'name');
const AGE = col('Age', 'string', AGE_DESC);
const CONTAINERS = col('Containers', 'string', CONTAINERS_DESC, 1);
const IMAGES = col('Images', 'string', IMAGES_DESC, 1);

// ---------------------------------------------------------------------------
// Printers (pkg/printers/internalversion)
// ---------------------------------------------------------------------------

interface Printer {
  columns: TableColumnDefinition[];
  cells(obj: KubeObject, now: number): unknown[];
  conditions?(obj: KubeObject): TableRowCondition[] | undefined;
}

function age(obj: KubeObject, now: number): string {
  return since(obj.metadata.creationTimestamp, now);
}

function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

function conditionTrue(conditions: unknown, type: string): boolean {
  for (const c of recs(conditions)) if (c.type === type) return c.status === 'True';
  return false;
}

// --- Pod

function lastTermination(container: Obj): number | undefined {
  return parseTime(rec(rec(container.lastState).terminated).finishedAt);
}

function podCells(pod: KubeObject, now: number): unknown[] {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const initContainers = recs(spec.initContainers);
  const restartable = new Set(initContainers.filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
  const total = list(spec.containers).length + restartable.size;
  let ready = 0;
  let restarts = 0;
  let restartableRestarts = 0;
  let lastRestart: number | undefined;
  let lastRestartableRestart: number | undefined;
  const later = (a: number | undefined, b: number | undefined): number | undefined => (b !== undefined && (a === undefined || b > a) ? b : a);

  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const c of recs(status.conditions)) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let initializing = false;
  const initStatuses = recs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const isRestartable = restartable.has(str(c.name));
    restarts += int(c.restartCount);
    lastRestart = later(lastRestart, lastTermination(c));
    if (isRestartable) {
      restartableRestarts += int(c.restartCount);
      lastRestartableRestart = later(lastRestartableRestart, lastTermination(c));
    }
    const state = rec(c.state);
    const terminated = has(state, 'terminated') ? rec(state.terminated) : undefined;
    const waiting = has(state, 'waiting') ? rec(state.waiting) : undefined;
    if (terminated !== undefined && int(terminated.exitCode) === 0) continue;
    if (isRestartable && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    if (terminated !== undefined) {
      if (str(terminated.reason) === '') {
        reason = int(terminated.signal) !== 0 ? `Init:Signal:${int(terminated.signal)}` : `Init:ExitCode:${int(terminated.exitCode)}`;
      } else {
        reason = `Init:${str(terminated.reason)}`;
      }
    } else if (waiting !== undefined && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, 'Initialized')) {
    restarts = restartableRestarts;
    lastRestart = lastRestartableRestart;
    let hasRunning = false;
    const statuses = recs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += int(c.restartCount);
      lastRestart = later(lastRestart, lastTermination(c));
      const state = rec(c.state);
      const terminated = has(state, 'terminated') ? rec(state.terminated) : undefined;
      const waiting = has(state, 'waiting') ? rec(state.waiting) : undefined;
      if (waiting !== undefined && str(waiting.reason) !== '') {
        reason = str(waiting.reason);
      } else if (terminated !== undefined && str(terminated.reason) !== '') {
        reason = str(terminated.reason);
      } else if (terminated !== undefined) {
        reason = int(terminated.signal) !== 0 ? `Signal:${int(terminated.signal)}` : `ExitCode:${int(terminated.exitCode)}`;
      } else if (c.ready === true && has(state, 'running')) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp !== undefined && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (pod.metadata.deletionTimestamp !== undefined && phase !== 'Failed' && phase !== 'Succeeded') {
    reason = 'Terminating';
  }

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) restartsCell = `${restarts} (${humanDuration(now - lastRestart)} ago)`;

  const podIPs = recs(status.podIPs);
  const podIP = (podIPs.length > 0 ? str(podIPs[0].ip) : str(status.podIP)) || '<none>';
  const gates = recs(spec.readinessGates);
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const conditions = recs(status.conditions);
    let trueCount = 0;
    for (const g of gates) {
      const c = conditions.find((x) => x.type === g.conditionType);
      if (c?.status === 'True') trueCount++;
    }
    readinessGates = `${trueCount}/${gates.length}`;
  }
  return [
    nameOf(pod),
    `${ready}/${total}`,
    reason,
    restartsCell,
    age(pod, now),
    podIP,
    str(spec.nodeName) || '<none>',
    str(status.nominatedNodeName) || '<none>',
    readinessGates,
  ];
}

const podPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1),
    col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  cells: podCells,
  conditions(pod) {
    const phase = rec(pod.status).phase;
    if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return undefined;
  },
};

// --- Workloads

const deploymentPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE,
    CONTAINERS,
    IMAGES,
    col('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
  ],
  cells(d, now) {
    const spec = rec(d.spec);
    const status = rec(d.status);
    let selector: string;
    try {
      selector = labelSelectorAsMatcher(spec.selector ?? undefined).toString();
    } catch {
      selector = '<invalid>';
    }
    return [
      nameOf(d),
      `${int(status.readyReplicas)}/${int(spec.replicas, 1)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      age(d, now),
      ...containerCells(templateSpec(spec)),
      selector,
    ];
  },
};

const replicaSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    AGE,
    CONTAINERS,
    IMAGES,
    col('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', 1),
  ],
  cells(rs, now) {
    const spec = rec(rs.spec);
    const status = rec(rs.status);
    return [
      nameOf(rs),
      int(spec.replicas, 1),
      int(status.replicas),
      int(status.readyReplicas),
      age(rs, now),
      ...containerCells(templateSpec(spec)),
      formatLabelSelector(spec.selector),
    ];
  },
};

const replicationControllerPrinter: Printer = {
  columns: replicaSetPrinter.columns,
  cells(rc, now) {
    const spec = rec(rc.spec);
    const status = rec(rc.status);
    return [
      nameOf(rc),
      int(spec.replicas, 1),
      int(status.replicas),
      int(status.readyReplicas),
      age(rc, now),
      ...containerCells(templateSpec(spec)),
      formatLabels(strMap(spec.selector)),
    ];
  },
};

const statefulSetPrinter: Printer = {
  columns: [NAME, col('Ready', 'string', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
  cells(sts, now) {
    const spec = rec(sts.spec);
    return [nameOf(sts), `${int(rec(sts.status).readyReplicas)}/${int(spec.replicas, 1)}`, age(sts, now), ...containerCells(templateSpec(spec))];
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    col('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    AGE,
    CONTAINERS,
    IMAGES,
    col('Selector', 'string', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled.', 1),
  ],
  cells(ds, now) {
    const spec = rec(ds.spec);
    const status = rec(ds.status);
    const podSpec = templateSpec(spec);
    return [
      nameOf(ds),
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(strMap(podSpec.nodeSelector)),
      age(ds, now),
      ...containerCells(podSpec),
      formatLabelSelector(spec.selector),
    ];
  },
};

function jobStatus(job: KubeObject): string {
  const conditions = rec(job.status).conditions;
  if (conditionTrue(conditions, 'Complete')) return 'Complete';
  if (conditionTrue(conditions, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp !== undefined) return 'Terminating';
  if (conditionTrue(conditions, 'Suspended')) return 'Suspended';
  if (conditionTrue(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

const jobPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    AGE,
    CONTAINERS,
    IMAGES,
    col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  cells(job, now) {
    const spec = rec(job.spec);
    const status = rec(job.status);
    const succeeded = int(status.succeeded);
    let completions: string;
    if (typeof spec.completions === 'number') completions = `${succeeded}/${int(spec.completions)}`;
    else if (int(spec.parallelism) > 1) completions = `${succeeded}/1 of ${int(spec.parallelism)}`;
    else completions = `${succeeded}/1`;
    const start = parseTime(status.startTime);
    const end = parseTime(status.completionTime);
    let duration = '';
    if (start !== undefined) duration = humanDuration((end ?? now) - start);
    return [nameOf(job), jobStatus(job), completions, duration, age(job, now), ...containerCells(templateSpec(spec)), formatLabelSelector(spec.selector)];
  },
};

const cronJobPrinter: Printer = {
  columns: [
    NAME,
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    AGE,
    CONTAINERS,
    IMAGES,
    col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  cells(cj, now) {
    const spec = rec(cj.spec);
    const status = rec(cj.status);
    const jobSpec = rec(rec(spec.jobTemplate).spec);
    const last = has(status, 'lastScheduleTime') ? since(status.lastScheduleTime, now) : '<none>';
    return [
      nameOf(cj),
      str(spec.schedule),
      typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
      boolPtr(spec.suspend),
      list(status.active).length,
      last,
      age(cj, now),
      ...containerCells(templateSpec(jobSpec)),
      formatLabelSelector(jobSpec.selector),
    ];
  },
};

const controllerRevisionPrinter: Printer = {
  columns: [NAME, col('Controller', 'string', 'Controller of the object'), col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'), AGE],
  cells(cr, now) {
    const owner = (cr.metadata.ownerReferences ?? []).find((r) => r.controller === true);
    let controller = '<none>';
    if (owner !== undefined) {
      const slash = owner.apiVersion.indexOf('/');
      const group = slash >= 0 ? owner.apiVersion.slice(0, slash) : '';
      controller = `${(group ? `${owner.kind}.${group}` : owner.kind).toLowerCase()}/${owner.name}`;
    }
    return [nameOf(cr), controller, int(cr.revision), age(cr, now)];
  },
};

const podTemplatePrinter: Printer = {
  columns: [
    NAME,
    col('Containers', 'string', CONTAINERS_DESC),
    col('Images', 'string', IMAGES_DESC),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  cells(pt) {
    const template = rec(pt.template);
    return [nameOf(pt), ...containerCells(rec(template.spec)), formatLabels(strMap(rec(template.metadata).labels))];
  },
};

// --- Services and networking

function lbIngress(status: Obj): string {
  const ingress = recs(rec(status.loadBalancer).ingress);
  return uniqueSorted(ingress.map((i) => str(i.ip) || str(i.hostname)).filter((s) => s !== '')).join(',');
}

function serviceExternalIP(spec: Obj, status: Obj, type: string): string {
  const externalIPs = list(spec.externalIPs).map(str);
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = lbIngress(status);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

const servicePrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'string', 'type determines how the Service is exposed. Defaults to ClusterIP.'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    AGE,
    col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  cells(svc, now) {
    const spec = rec(svc.spec);
    const type = str(spec.type) || 'ClusterIP';
    const clusterIPs = list(spec.clusterIPs).map(str);
    const clusterIP = clusterIPs.length > 0 ? clusterIPs[0] : str(spec.clusterIP);
    const ports = recs(spec.ports).map((p) => {
      const protocol = str(p.protocol) || 'TCP';
      return int(p.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${protocol}` : `${int(p.port)}/${protocol}`;
    });
    return [
      nameOf(svc),
      type,
      clusterIP || '<none>',
      serviceExternalIP(spec, rec(svc.status), type),
      ports.length > 0 ? ports.join(',') : '<none>',
      age(svc, now),
      formatLabels(strMap(spec.selector)),
    ];
  },
};

function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** `formatEndpoints`: up to three addresses, then `+ N more...`. */
function formatEndpoints(ep: KubeObject): string {
  const subsets = recs(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const out: string[] = [];
  const max = 3;
  let more = false;
  let total = 0;
  for (const ss of subsets) {
    const addresses = recs(ss.addresses);
    const ports = recs(ss.ports);
    if (ports.length === 0) {
      total += addresses.length;
      for (const a of addresses) {
        if (out.length === max) {
          more = true;
          break;
        }
        out.push(str(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      total += addresses.length;
      for (const a of addresses) {
        if (out.length === max) {
          more = true;
          break;
        }
        out.push(joinHostPort(str(a.ip), int(port.port)));
      }
    }
  }
  const joined = out.join(',');
  return more ? `${joined} + ${total - max} more...` : joined;
}

const endpointsPrinter: Printer = {
  columns: [NAME, col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), AGE],
  cells: (ep, now) => [nameOf(ep), formatEndpoints(ep), age(ep, now)],
};

function listWithMore(items: string[], max: number): string {
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown === '' ? '<unset>' : shown;
}

const endpointSlicePrinter: Printer = {
  columns: [
    NAME,
    col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    AGE,
  ],
  cells(slice, now) {
    const ports = recs(slice.ports).map((p) => (typeof p.port === 'number' ? String(int(p.port)) : typeof p.name === 'string' ? p.name : '*'));
    const addresses = recs(slice.endpoints).flatMap((e) => list(e.addresses).map(str));
    return [nameOf(slice), str(slice.addressType), listWithMore(ports, 3), listWithMore(addresses, 3), age(slice, now)];
  },
};

function formatHosts(rules: Obj[]): string {
  const out: string[] = [];
  const max = 3;
  let more = false;
  for (const rule of rules) {
    if (out.length === max) more = true;
    if (!more && str(rule.host) !== '') out.push(str(rule.host));
  }
  if (out.length === 0) return '*';
  const joined = out.join(',');
  return more ? `${joined} + ${rules.length - max} more...` : joined;
}

const ingressPrinter: Printer = {
  columns: [
    NAME,
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE,
  ],
  cells(ing, now) {
    const spec = rec(ing.spec);
    return [
      nameOf(ing),
      typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>',
      formatHosts(recs(spec.rules)),
      lbIngress(rec(ing.status)),
      list(spec.tls).length > 0 ? '80, 443' : '80',
      age(ing, now),
    ];
  },
};

const ingressClassPrinter: Printer = {
  columns: [
    NAME,
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    AGE,
  ],
  cells(ic, now) {
    const spec = rec(ic.spec);
    let parameters = '<none>';
    if (has(spec, 'parameters')) {
      const p = rec(spec.parameters);
      parameters = str(p.kind);
      if (typeof p.apiGroup === 'string') parameters += `.${p.apiGroup}`;
      parameters += `/${str(p.name)}`;
    }
    return [nameOf(ic), str(spec.controller), parameters, age(ic, now)];
  },
};

const networkPolicyPrinter: Printer = {
  columns: [NAME, col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'), AGE],
  cells: (np, now) => [nameOf(np), formatLabelSelector(rec(rec(np.spec).podSelector)), age(np, now)],
};

// --- Configuration and access

const namespacePrinter: Printer = {
  columns: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
  cells: (ns, now) => [nameOf(ns), str(rec(ns.status).phase), age(ns, now)],
};

const secretPrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    col('Data', 'string', 'Data contains the secret data.'),
    AGE,
  ],
  cells: (s, now) => [nameOf(s), str(s.type) || 'Opaque', count(s.data), age(s, now)],
};

const configMapPrinter: Printer = {
  columns: [NAME, col('Data', 'string', 'Data contains the configuration data.'), AGE],
  cells: (cm, now) => [nameOf(cm), count(cm.data) + count(cm.binaryData), age(cm, now)],
};

const serviceAccountPrinter: Printer = {
  columns: [NAME, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
  cells: (sa, now) => [nameOf(sa), list(sa.secrets).length, age(sa, now)],
};

function subjectStrings(subjects: Obj[]): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects) {
    if (s.kind === 'ServiceAccount') sas.push(`${str(s.namespace)}/${str(s.name)}`);
    else if (s.kind === 'User') users.push(str(s.name));
    else if (s.kind === 'Group') groups.push(str(s.name));
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingPrinter(what: string): Printer {
  return {
    columns: [
      NAME,
      col('Role', 'string', 'RoleRef can only reference a ClusterRole in the global namespace.'),
      AGE,
      col('Users', 'string', `Users in the ${what}`, 1),
      col('Groups', 'string', `Groups in the ${what}`, 1),
      col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
    ],
    cells(rb, now) {
      const ref = rec(rb.roleRef);
      return [nameOf(rb), `${str(ref.kind)}/${str(ref.name)}`, age(rb, now), ...subjectStrings(recs(rb.subjects))];
    },
  };
}

const leasePrinter: Printer = {
  columns: [NAME, col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
  cells: (l, now) => [nameOf(l), str(rec(l.spec).holderIdentity), age(l, now)],
};

const priorityClassPrinter: Printer = {
  columns: [
    NAME,
    col('Value', 'integer', 'value represents the integer value of this priority class.'),
    col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    AGE,
    col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  cells: (pc, now) => [nameOf(pc), int(pc.value), pc.globalDefault === true, age(pc, now), str(pc.preemptionPolicy)],
};

const resourceQuotaPrinter: Printer = {
  columns: [
    NAME,
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    AGE,
  ],
  cells(rq, now) {
    const status = rec(rq.status);
    const hard = rec(status.hard);
    const used = rec(status.used);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const name of Object.keys(hard).sort()) {
      const entry = `${name}: ${intOrString(used[name]) || '0'}/${intOrString(hard[name])}`;
      const parts = name.split('.');
      if (parts.length > 1 && parts[0] === 'limits') limits.push(entry);
      else requests.push(entry);
    }
    return [nameOf(rq), requests.join(', '), limits.join(', '), age(rq, now)];
  },
};

function webhookPrinter(): Printer {
  return {
    columns: [NAME, col('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'), AGE],
    cells: (w, now) => [nameOf(w), list(w.webhooks).length, age(w, now)],
  };
}

// --- Storage

/** `GetAccessModesAsString`. */
function accessModes(modes: unknown): string {
  const set = new Set(list(modes).map(str));
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

function storageClassOf(obj: KubeObject): string {
  const annotated = obj.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (annotated !== undefined) return annotated;
  return str(rec(obj.spec).storageClassName);
}

function quantity(v: unknown): string {
  return intOrString(v) || '0';
}

const pvcPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE,
    col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', 1),
  ],
  cells(pvc, now) {
    const spec = rec(pvc.spec);
    const status = rec(pvc.status);
    const phase = pvc.metadata.deletionTimestamp !== undefined ? 'Terminating' : str(status.phase);
    const volumeName = str(spec.volumeName);
    const bound = volumeName !== '';
    return [
      nameOf(pvc),
      phase,
      volumeName,
      bound ? quantity(rec(status.capacity).storage) : '',
      bound ? accessModes(status.accessModes) : '',
      storageClassOf(pvc),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      age(pvc, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

const pvPrinter: Printer = {
  columns: [
    NAME,
    col('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity."),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE,
    col('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1),
  ],
  cells(pv, now) {
    const spec = rec(pv.spec);
    const status = rec(pv.status);
    const claim = has(spec, 'claimRef') ? `${str(rec(spec.claimRef).namespace)}/${str(rec(spec.claimRef).name)}` : '';
    return [
      nameOf(pv),
      quantity(rec(spec.capacity).storage),
      accessModes(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      pv.metadata.deletionTimestamp !== undefined ? 'Terminating' : str(status.phase),
      claim,
      storageClassOf(pv),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      str(status.reason),
      age(pv, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

const storageClassPrinter: Printer = {
  columns: [
    NAME,
    col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    AGE,
  ],
  cells(sc, now) {
    const annotations = sc.metadata.annotations ?? {};
    const isDefault =
      annotations['storageclass.kubernetes.io/is-default-class'] === 'true' || annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
    return [
      isDefault ? `${nameOf(sc)} (default)` : nameOf(sc),
      str(sc.provisioner),
      str(sc.reclaimPolicy) || 'Delete',
      str(sc.volumeBindingMode) || 'Immediate',
      sc.allowVolumeExpansion === true,
      age(sc, now),
    ];
  },
};

// --- Events

function formatEventSource(ev: Obj): string {
  const source = rec(ev.source ?? ev.deprecatedSource);
  const component = str(source.component) || str(ev.reportingController) || str(ev.reportingComponent);
  const instance = str(source.host) || str(ev.reportingInstance);
  return instance === '' ? component : `${component}, ${instance}`;
}

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'string', 'The object that this event is about.'),
    col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', 1),
    col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    col('Count', 'string', 'The number of times this event has occurred.', 1),
    col('Name', 'string', NAME_DESC, 1, 'name'),
  ],
  cells(ev, now) {
    // Core v1 Events and events.k8s.io/v1 Events (regarding, note, deprecated*) print alike.
    const involved = rec(ev.involvedObject ?? ev.regarding);
    const firstTs = ev.firstTimestamp ?? ev.deprecatedFirstTimestamp;
    const lastTs = ev.lastTimestamp ?? ev.deprecatedLastTimestamp;
    const first = parseTime(firstTs) !== undefined ? since(firstTs, now) : since(ev.eventTime, now);
    let last = parseTime(lastTs) !== undefined ? since(lastTs, now) : first;
    let eventCount = int(ev.count ?? ev.deprecatedCount);
    if (has(ev, 'series')) {
      const series = rec(ev.series);
      last = since(series.lastObservedTime, now);
      eventCount = int(series.count);
    } else if (eventCount === 0) {
      eventCount = 1;
    }
    const kind = str(involved.kind).toLowerCase();
    const target = str(involved.name) !== '' ? `${kind}/${str(involved.name)}` : kind;
    return [
      last,
      str(ev.type),
      str(ev.reason),
      target,
      str(involved.fieldPath),
      formatEventSource(ev),
      str(ev.message ?? ev.note).trim(),
      first,
      eventCount,
      nameOf(ev),
    ];
  },
};

// --- Nodes

function nodeCells(node: KubeObject, now: number): unknown[] {
  const spec = rec(node.spec);
  const status = rec(node.status);
  const readyCondition = recs(status.conditions).find((c) => c.type === 'Ready');
  const states: string[] = [];
  if (readyCondition !== undefined) states.push(readyCondition.status === 'True' ? 'Ready' : 'NotReady');
  else states.push('Unknown');
  if (spec.unschedulable === true) states.push('SchedulingDisabled');
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  const info = rec(status.nodeInfo);
  const address = (type: string): string => str(recs(status.addresses).find((a) => a.type === type)?.address) || '<none>';
  return [
    nameOf(node),
    states.join(','),
    roles.size > 0 ? [...roles].sort().join(',') : '<none>',
    age(node, now),
    str(info.kubeletVersion),
    address('InternalIP'),
    address('ExternalIP'),
    str(info.osImage) || '<unknown>',
    str(info.kernelVersion) || '<unknown>',
    str(info.containerRuntimeVersion) || '<unknown>',
  ];
}

const nodePrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    AGE,
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', NODE_ADDRESSES_DESC, 1),
    col('External-IP', 'string', NODE_ADDRESSES_DESC, 1),
    col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  cells: nodeCells,
};

// --- Autoscaling and policy

function metricTarget(target: Obj): string {
  return intOrString(target.averageValue) || intOrString(target.value);
}

/** `formatHPAMetrics` for autoscaling/v2 metric specs. */
function formatHPAMetrics(specs: Obj[], statuses: Obj[]): string {
  if (specs.length === 0) return '<none>';
  const out = specs.map((spec, i) => {
    const status = statuses[i] ?? {};
    switch (spec.type) {
      case 'External':
      case 'Object': {
        const key = spec.type === 'External' ? 'external' : 'object';
        const target = rec(rec(spec[key]).target);
        const current = has(status, key) ? rec(rec(status[key]).current) : undefined;
        if (has(target, 'averageValue')) {
          const cur = current !== undefined && has(current, 'averageValue') ? intOrString(current.averageValue) : '<unknown>';
          return `${cur}/${intOrString(target.averageValue)} (avg)`;
        }
        const cur = current !== undefined ? intOrString(current.value) || '0' : '<unknown>';
        return `${cur}/${intOrString(target.value)}`;
      }
      case 'Pods': {
        const current = has(status, 'pods') ? intOrString(rec(rec(status.pods).current).averageValue) : '<unknown>';
        return `${current}/${intOrString(rec(rec(spec.pods).target).averageValue)}`;
      }
      case 'Resource':
      case 'ContainerResource': {
        const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
        const source = rec(spec[key]);
        const target = rec(source.target);
        const current = has(status, key) ? rec(rec(status[key]).current) : undefined;
        if (has(target, 'averageValue')) {
          const cur = current !== undefined ? intOrString(current.averageValue) : '<unknown>';
          return `${str(source.name)}: ${cur}/${metricTarget(target)}`;
        }
        const cur = current !== undefined && typeof current.averageUtilization === 'number' ? `${int(current.averageUtilization)}%` : '<unknown>';
        const tgt = typeof target.averageUtilization === 'number' ? `${int(target.averageUtilization)}%` : '<auto>';
        return `${str(source.name)}: ${cur}/${tgt}`;
      }
      default:
        return '<unknown type>';
    }
  });
  const max = 2;
  if (out.length > max) return `${out.slice(0, max).join(', ')} + ${out.length - max} more...`;
  return out.join(', ');
}

const hpaPrinter: Printer = {
  columns: [
    NAME,
    col('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    col('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count.'),
    col('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    col('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    col('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    AGE,
  ],
  cells(hpa, now) {
    const spec = rec(hpa.spec);
    const status = rec(hpa.status);
    const ref = rec(spec.scaleTargetRef);
    let metrics = recs(spec.metrics);
    let currents = recs(status.currentMetrics);
    if (typeof spec.targetCPUUtilizationPercentage === 'number') {
      // autoscaling/v1 converts to a single CPU utilization metric.
      metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } }];
      currents =
        typeof status.currentCPUUtilizationPercentage === 'number'
          ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }]
          : [];
    }
    return [
      nameOf(hpa),
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHPAMetrics(metrics, currents),
      typeof spec.minReplicas === 'number' ? String(int(spec.minReplicas)) : '<unset>',
      int(spec.maxReplicas),
      int(status.currentReplicas),
      age(hpa, now),
    ];
  },
};

const pdbPrinter: Printer = {
  columns: [
    NAME,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  cells(pdb, now) {
    const spec = rec(pdb.spec);
    return [
      nameOf(pdb),
      has(spec, 'minAvailable') ? intOrString(spec.minAvailable) : 'N/A',
      has(spec, 'maxUnavailable') ? intOrString(spec.maxUnavailable) : 'N/A',
      int(rec(pdb.status).disruptionsAllowed),
      age(pdb, now),
    ];
  },
};

const scalePrinter: Printer = {
  columns: [
    col('Name', 'string', NAME_DESC),
    col('Desired', 'integer', 'replicas is the desired number of instances for the scaled object.'),
    col('Available', 'integer', 'replicas is the actual number of observed instances of the scaled object.'),
    AGE,
  ],
  cells: (s, now) => [nameOf(s), int(rec(s.spec).replicas), int(rec(s.status).replicas), age(s, now)],
};

const PRINTERS: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  ['/Pod', podPrinter],
  ['/PodTemplate', podTemplatePrinter],
  ['/ReplicationController', replicationControllerPrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['/Node', nodePrinter],
  ['/Event', eventPrinter],
  ['events.k8s.io/Event', eventPrinter],
  ['/Namespace', namespacePrinter],
  ['/Secret', secretPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/ConfigMap', configMapPrinter],
  ['/PersistentVolume', pvPrinter],
  ['/PersistentVolumeClaim', pvcPrinter],
  ['/ResourceQuota', resourceQuotaPrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/ControllerRevision', controllerRevisionPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
  ['networking.k8s.io/IngressClass', ingressClassPrinter],
  ['networking.k8s.io/NetworkPolicy', networkPolicyPrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
  ['rbac.authorization.k8s.io/RoleBinding', bindingPrinter('roleBinding')],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', bindingPrinter('clusterRoleBinding')],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['autoscaling/HorizontalPodAutoscaler', hpaPrinter],
  ['autoscaling/Scale', scalePrinter],
  ['policy/PodDisruptionBudget', pdbPrinter],
  ['storage.k8s.io/StorageClass', storageClassPrinter],
  ['scheduling.k8s.io/PriorityClass', priorityClassPrinter],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', webhookPrinter()],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', webhookPrinter()],
]);

/** The default convertor (`rest.NewDefaultTableConvertor`): NAME and an RFC 3339 CREATED AT. */
const defaultPrinter: Printer = {
  columns: [NAME, col('Created At', 'date', AGE_DESC)],
  cells(obj) {
    const t = parseTime(obj.metadata.creationTimestamp);
    const created = t === undefined ? '0001-01-01T00:00:00Z' : formatTime(t);
    return [nameOf(obj), created];
  },
};

// ---------------------------------------------------------------------------
// Custom resources (apiextensions tableconvertor) and its simple JSONPath
// ---------------------------------------------------------------------------

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number }
  | { kind: 'filter'; left: Step[]; op?: string; right?: { literal: unknown } | { path: Step[] } };

class JsonPathError extends Error {}

/** Parses the subset of kubectl's JSONPath that printer columns use. */
function parseJsonPath(expr: string): Step[] {
  let s = expr.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  const steps: Step[] = [];
  let i = 0;
  if (s[i] === '$') i++;
  const readName = (): string => {
    let name = '';
    while (i < s.length && s[i] !== '.' && s[i] !== '[') {
      if (s[i] === '\\' && i + 1 < s.length) {
        name += s[i + 1];
        i += 2;
      } else {
        name += s[i++];
      }
    }
    return name;
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      i++;
      if (s[i] === '.') {
        i++;
        steps.push({ kind: 'recursive' });
      }
      if (s[i] === '*') {
        i++;
        steps.push({ kind: 'wildcard' });
        continue;
      }
      const name = readName();
      if (name !== '') steps.push({ kind: 'field', name });
      continue;
    }
    if (c === '[') {
      const close = findClose(s, i);
      const inner = s.slice(i + 1, close).trim();
      i = close + 1;
      steps.push(parseBracket(inner));
      continue;
    }
    if (c === '@') {
      i++;
      continue;
    }
    const name = readName();
    if (name === '') throw new JsonPathError(`unrecognized character in path: ${c}`);
    steps.push({ kind: 'field', name });
  }
  return steps;
}

function findClose(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let j = open; j < s.length; j++) {
    const c = s[j];
    if (quote !== undefined) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0 && c === ']') return j;
    }
  }
  throw new JsonPathError('unterminated array notation');
}

function unquote(s: string): string | undefined {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) {
    return s.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return undefined;
}

function parseLiteral(s: string): unknown {
  const q = unquote(s);
  if (q !== undefined) return q;
  if (s === 'true') return true;
  if (s === 'false') return false;
  const n = Number(s);
  if (s !== '' && !Number.isNaN(n)) return n;
  throw new JsonPathError(`unrecognized literal: ${s}`);
}

function parseBracket(inner: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  const q = unquote(inner);
  if (q !== undefined) return { kind: 'field', name: q };
  if (inner.startsWith('?(') && inner.endsWith(')')) {
    const body = inner.slice(2, -1).trim();
    const m = /^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.*)$/.exec(body);
    if (m === null) return { kind: 'filter', left: parseJsonPath(body) };
    const right = m[3].trim();
    return {
      kind: 'filter',
      left: parseJsonPath(m[1].trim()),
      op: m[2],
      right: right.startsWith('@') || right.startsWith('$') ? { path: parseJsonPath(right) } : { literal: parseLiteral(right) },
    };
  }
  if (inner.includes(':')) {
    const [a, b] = inner.split(':').map((x) => x.trim());
    return { kind: 'slice', start: a === '' ? undefined : Number(a), end: b === '' || b === undefined ? undefined : Number(b) };
  }
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  throw new JsonPathError(`unrecognized array notation: ${inner}`);
}

function descendants(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) descendants(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) descendants(x, out);
}

function compare(left: unknown, op: string, right: unknown): boolean {
  if (op === '==') return left === right;
  if (op === '!=') return left !== right;
  if (typeof left === 'number' && typeof right === 'number') {
    if (op === '<') return left < right;
    if (op === '>') return left > right;
    if (op === '<=') return left <= right;
    if (op === '>=') return left >= right;
  }
  return false;
}

function evalSteps(steps: readonly Step[], input: unknown[]): unknown[] {
  let cur = input;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (step.kind) {
        case 'field':
          if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step.name)) next.push((v as Obj)[step.name]);
          break;
        case 'wildcard':
          if (Array.isArray(v)) next.push(...v);
          else if (v !== null && typeof v === 'object') for (const k of Object.keys(v).sort()) next.push((v as Obj)[k]);
          break;
        case 'recursive':
          descendants(v, next);
          break;
        case 'index':
          if (Array.isArray(v)) {
            const idx = step.index < 0 ? v.length + step.index : step.index;
            if (idx >= 0 && idx < v.length) next.push(v[idx]);
          }
          break;
        case 'slice':
          if (Array.isArray(v)) next.push(...v.slice(step.start, step.end));
          break;
        case 'filter':
          if (Array.isArray(v)) {
            for (const item of v) {
              const lefts = evalSteps(step.left, [item]);
              if (step.op === undefined || step.right === undefined) {
                if (lefts.length > 0) next.push(item);
                continue;
              }
              if (lefts.length === 0) continue;
              const right = 'literal' in step.right ? step.right.literal : evalSteps(step.right.path, [item])[0];
              if (compare(lefts[0], step.op, right)) next.push(item);
            }
          }
          break;
      }
    }
    cur = next;
  }
  return cur;
}

const compiledPaths = new Map<string, Step[] | null>();

function compilePath(expr: string): Step[] | null {
  let steps = compiledPaths.get(expr);
  if (steps === undefined) {
    try {
      steps = parseJsonPath(expr);
    } catch {
      steps = null;
    }
    compiledPaths.set(expr, steps);
  }
  return steps;
}

/** Evaluates a printer-column JSONPath (e.g. `.status.conditions[?(@.type=="Ready")].status`). */
export function evalJsonPath(expr: string, root: unknown): unknown[] {
  const steps = compilePath(expr);
  return steps === null ? [] : evalSteps(steps, [root]);
}

/** Go's `encoding/json` for a decoded value: sorted keys, HTML-safe escaping. */
function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') {
    return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${goJson(k)}:${goJson((v as Obj)[k])}`)
      .join(',')}}`;
  }
  return 'null';
}

/** Go's `%v` for a JSON number: integers in full, other floats as `%g` does (`1.2345675e+06`). */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 6) {
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(n);
}

/** The text JSONPath prints for a `string` column. */
function printedValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  return goJson(v);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `cellForJSONValue`: a typed cell, or null when the value does not fit the column type. */
function typedCell(type: string, v: unknown, now: number): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'string':
      return typeof v === 'string' ? v : null;
    case 'date':
      if (typeof v !== 'string') return null;
      if (v === '') return '<unknown>';
      if (!RFC3339.test(v)) return '<invalid>';
      return since(v, now);
    default:
      return null;
  }
}

const DEFAULT_CR_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Age', type: 'date', description: AGE_DESC, jsonPath: '.metadata.creationTimestamp' },
];

function customPrinter(columns: readonly PrinterColumn[] | undefined): Printer {
  const declared = columns !== undefined && columns.length > 0 ? columns : DEFAULT_CR_COLUMNS;
  const paths = declared.map((c) => compilePath(c.jsonPath));
  return {
    columns: [
      NAME,
      ...declared.map((c) =>
        col(c.name, c.type, c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, c.priority ?? 0, c.format ?? ''),
      ),
    ],
    cells(obj, now) {
      const cells: unknown[] = [nameOf(obj)];
      declared.forEach((c, i) => {
        const steps = paths[i];
        const results = steps === null ? [] : evalSteps(steps, [obj]);
        if (results.length === 0) cells.push(null);
        else if (c.type === 'string') cells.push(printedValue(results[0]));
        else cells.push(typedCell(c.type, results[0], now));
      });
      return cells;
    },
  };
}

const customPrinters = new WeakMap<readonly PrinterColumn[], Printer>();
const DEFAULT_CUSTOM = customPrinter(undefined);

function printerFor(type: TableType): Printer {
  if (type.custom) {
    const columns = type.printerColumns;
    if (columns === undefined || columns.length === 0) return DEFAULT_CUSTOM;
    let p = customPrinters.get(columns);
    if (p === undefined) {
      p = customPrinter(columns);
      customPrinters.set(columns, p);
    }
    return p;
  }
  return PRINTERS.get(`${type.group}/${type.kind}`) ?? defaultPrinter;
}

// ---------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------

/** The column definitions the server sends for a type (wide columns included). */
export function tableColumns(type: TableType): TableColumnDefinition[] {
  return printerFor(type).columns;
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return null;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** The rows for some objects; callable per object, e.g. for watch events. */
export function toTableRows(type: TableType, objects: readonly KubeObject[], opts: Pick<TableOptions, 'includeObject' | 'now'>): TableRow[] {
  const printer = printerFor(type);
  const now = opts.now.getTime();
  return objects.map((obj) => {
    const row: TableRow = { cells: printer.cells(obj, now), object: rowObject(obj, opts.includeObject) };
    const conditions = printer.conditions?.(obj);
    if (conditions !== undefined) row.conditions = conditions;
    return row;
  });
}

/**
 * The `meta.k8s.io/v1` Table for objects of a type, as `kubectl get` receives it. For a single object
 * (a GET, or one watch event) pass `[object]`; pass `noHeaders` for watch events after the first.
 */
export function toTable(type: TableType, objects: readonly KubeObject[], opts: TableOptions): Table {
  const printer = printerFor(type);
  const metadata: Table['metadata'] = {};
  const listMeta = opts.listMeta ?? (objects.length === 1 ? { resourceVersion: objects[0].metadata.resourceVersion } : {});
  if (listMeta.resourceVersion) metadata.resourceVersion = listMeta.resourceVersion;
  if (listMeta.continue) metadata.continue = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined && listMeta.remainingItemCount !== null) metadata.remainingItemCount = listMeta.remainingItemCount;
  const rows = toTableRows(type, objects, opts);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? null : printer.columns,
    // The default convertor appends to a nil slice, so an empty list serializes as null.
    rows: rows.length === 0 && printer === defaultPrinter ? null : rows,
  };
}
