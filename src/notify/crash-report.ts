/**
 * Crash reports: which containers of a pod crashed and why (pure), their last log lines (through
 * the kube client), and those lines with every value of the app's Secrets masked.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Manifest } from '../core/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { CrashEvent, CrashReason } from './events.ts';

/**
 * A crash as the agent keeps it for people to read (`GET /api/v1/crashes`): what its crash
 * notification says, with the time it was reported (ISO 8601).
 */
export type CrashReport = Omit<CrashEvent, 'type' | 'time'> & { time: string };

/** A container of a pod in one of the crash states capstan reports. */
export interface ContainerCrash {
  container: string;
  /** An init container. */
  init: boolean;
  reason: CrashReason;
  restartCount: number;
  exitCode?: number;
  /** The kubelet's waiting or termination message. */
  message?: string;
  /** A run of the container ended, so its log can be read (`previous`). */
  terminated: boolean;
}

const waitingCrashes: ReadonlySet<string> = new Set<CrashReason>(['CrashLoopBackOff', 'CreateContainerConfigError', 'ImagePullBackOff', 'ErrImagePull']);
/** An OOMKilled run of a container that runs again counts as a crash this long after it ended. */
const recentOomMs = 10 * 60_000;

interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: Termination };
  lastState?: { terminated?: Termination };
}

interface Termination {
  reason?: string;
  message?: string;
  exitCode?: number;
  finishedAt?: string;
  containerID?: string;
}

/**
 * The containers of a pod that are in CrashLoopBackOff, CreateContainerConfigError,
 * ImagePullBackOff or ErrImagePull, or whose last run was OOMKilled (recently, when it runs again).
 * A crash loop whose runs are OOMKilled is reported as OOMKilled: the more useful reason.
 */
export function containerCrashes(pod: Manifest, now: Date = new Date()): ContainerCrash[] {
  const status = (pod.status ?? {}) as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
  const out: ContainerCrash[] = [];
  const scan = (statuses: ContainerStatus[] | undefined, init: boolean): void => {
    for (const s of Array.isArray(statuses) ? statuses : []) {
      if (typeof s?.name !== 'string') continue;
      const waiting = s.state?.waiting;
      const current = s.state?.terminated;
      const last = s.lastState?.terminated;
      const oom = current?.reason === 'OOMKilled' ? current : last?.reason === 'OOMKilled' && (!s.state?.running || recent(last.finishedAt, now)) ? last : undefined;
      let reason: CrashReason | undefined;
      if (oom && (waiting?.reason === 'CrashLoopBackOff' || !waiting)) reason = 'OOMKilled';
      else if (waiting?.reason && waitingCrashes.has(waiting.reason)) reason = waiting.reason as CrashReason;
      if (!reason) continue;
      const crash: ContainerCrash = { container: s.name, init, reason, restartCount: typeof s.restartCount === 'number' ? s.restartCount : 0, terminated: Boolean(last?.containerID || current?.containerID) };
      const ended = reason === 'OOMKilled' ? oom : (current ?? last);
      if (typeof ended?.exitCode === 'number') crash.exitCode = ended.exitCode;
      const message = waiting?.message || ended?.message;
      if (message) crash.message = message;
      out.push(crash);
    }
  };
  scan(status.initContainerStatuses, true);
  scan(status.containerStatuses, false);
  return out;
}

function recent(at: string | undefined, now: Date): boolean {
  const time = at ? Date.parse(at) : NaN;
  return !Number.isNaN(time) && now.getTime() - time < recentOomMs;
}

/** Whether two reads of a pod show the same crashes (a status write that changed nothing about them). */
export function sameCrashes(a: readonly ContainerCrash[], b: readonly ContainerCrash[]): boolean {
  return isDeepStrictEqual(a, b);
}

export interface CrashLogOptions {
  /** Lines from the end; default 20. */
  lines?: number;
  /** How long reading may take; default 10 s. */
  timeoutMs?: number;
}

/**
 * The last lines a crashed container wrote: of the run that ended (`previous`) when there is one,
 * else of the current run. Undefined lines and a `note` when the log cannot be read (the container
 * never started, the client cannot read logs, the server refused).
 */
export async function readCrashLog(client: KubeClient, pod: Manifest, crash: ContainerCrash, options: CrashLogOptions = {}): Promise<{ lines: string[]; note?: string }> {
  if (!client.logs) return { lines: [], note: 'this cluster client cannot read logs' };
  const namespace = pod.metadata.namespace ?? '';
  const tailLines = options.lines ?? 20;
  const attempts = crash.terminated ? [true, false] : [false];
  let note: string | undefined;
  for (const previous of attempts) {
    const lines: string[] = [];
    try {
      const stream = await client.logs(namespace, pod.metadata.name, { container: crash.container, tailLines, ...(previous ? { previous } : {}) }, (line) => lines.push(line));
      const timer = setTimeout(() => stream.stop(), options.timeoutMs ?? 10_000);
      try {
        await stream.done;
      } finally {
        clearTimeout(timer);
      }
      while (lines.length > 0 && lines.at(-1) === '') lines.pop();
      return { lines: lines.slice(-tailLines) };
    } catch (error) {
      note = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
    }
  }
  return { lines: [], note };
}

/** Values shorter than this are not masked: they would hide ordinary words, and hold no secret worth the name. */
const minMasked = 4;
export const secretMask = '******';

/**
 * The lines with every value of the Secrets (`data`, base64, and `stringData`) replaced by a mask,
 * as the decoded text, as its base64 and, for a value of several lines (a key, a certificate), line
 * by line. Longer values are masked first, so a value that holds another is hidden whole.
 */
export function maskSecretValues(lines: readonly string[], secrets: readonly Manifest[]): string[] {
  const values = new Set<string>();
  const add = (text: string): void => {
    const trimmed = text.trim();
    if (trimmed.length >= minMasked) values.add(trimmed);
    if (text.includes('\n')) for (const line of text.split(/\r?\n/)) if (line.trim().length >= 8) values.add(line.trim());
  };
  for (const secret of secrets) {
    for (const [field, encoded] of [['data', true], ['stringData', false]] as const) {
      const map = secret[field];
      if (!map || typeof map !== 'object') continue;
      for (const value of Object.values(map as Record<string, unknown>)) {
        if (typeof value !== 'string') continue;
        if (encoded) {
          add(value);
          add(Buffer.from(value, 'base64').toString('utf8'));
        } else {
          add(value);
          add(Buffer.from(value, 'utf8').toString('base64'));
        }
      }
    }
  }
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return lines.map((line) => sorted.reduce((text, value) => (text.includes(value) ? text.split(value).join(secretMask) : text), line));
}
