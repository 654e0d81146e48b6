import type { KubeObject } from '../types.ts';
import { crashingContainers } from './kubelet.ts';
import { crashAnnotation, isRecord, records, specOf, statusOf, str, type Json } from './shared.ts';

/**
 * What a simulated container has written to its log, for `GET .../pods/<name>/log` (`kubectl logs`).
 * Deterministic: the same pod state always gives the same text. Empty until the container started.
 * A crash-looping container's log ends in the fatal error that killed it.
 */
export function podLogs(pod: KubeObject, container: string): string {
  const spec = specOf(pod);
  const status = statusOf(pod);
  const init = records(spec.initContainers).find((c) => c.name === container);
  const definition = init ?? records(spec.containers).find((c) => c.name === container);
  if (!definition) return '';
  const containerStatus = records(init ? status.initContainerStatuses : status.containerStatuses).find((s) => s.name === container);
  const state = isRecord(containerStatus?.state) ? containerStatus.state : {};
  const lastState = isRecord(containerStatus?.lastState) ? containerStatus.lastState : {};
  const running = isRecord(state.running) ? state.running : undefined;
  const terminated = isRecord(state.terminated) ? state.terminated : isRecord(lastState.terminated) ? lastState.terminated : undefined;
  if (!running && !terminated) return '';

  const image = str(definition.image);
  const startedAt = str(running?.startedAt) || str(terminated?.startedAt) || str(status.startTime);
  const where = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const lines = [`${startedAt} sandbox: starting container "${container}" of pod ${where} (image ${image})`];
  if (crashingContainers(pod).has(container)) {
    const why = image.includes('crashloop') ? `the image ${image} is a crash-loop image` : `the pod annotation ${crashAnnotation} names it`;
    lines.push(`${startedAt} sandbox: loading configuration`);
    lines.push(`${startedAt} sandbox: simulated failure: ${why}`);
    lines.push(`panic: sandbox: container "${container}" was asked to crash (exit code 1)`);
    return lines.join('\n') + '\n';
  }
  if (!running && terminated?.exitCode === 0) {
    lines.push(`${startedAt} sandbox: container "${container}" is doing its work`);
    lines.push(`${str(terminated?.finishedAt) || startedAt} sandbox: container "${container}" completed successfully (exit code 0)`);
    return lines.join('\n') + '\n';
  }
  for (const port of records(definition.ports)) {
    lines.push(`${startedAt} sandbox: listening on ${portText(port)}`);
  }
  lines.push(`${startedAt} sandbox: container "${container}" is ready`);
  return lines.join('\n') + '\n';
}

function portText(port: Json): string {
  const name = typeof port.name === 'string' ? ` (${port.name})` : '';
  return `${String(port.containerPort)}/${str(port.protocol, 'TCP')}${name}`;
}
