// A compact glyph per kind, coloured by family (workloads, pods, jobs, network, config, namespace,
// anything else). Decorative: the kind is always written next to it.

export type KindFamily = 'workload' | 'pod' | 'job' | 'network' | 'config' | 'namespace' | 'other';

const glyphs: Record<string, { glyph: string; family: KindFamily }> = {
  Deployment: { glyph: 'dep', family: 'workload' },
  StatefulSet: { glyph: 'sts', family: 'workload' },
  DaemonSet: { glyph: 'ds', family: 'workload' },
  ReplicaSet: { glyph: 'rs', family: 'workload' },
  Pod: { glyph: 'pod', family: 'pod' },
  Job: { glyph: 'job', family: 'job' },
  CronJob: { glyph: 'cj', family: 'job' },
  Service: { glyph: 'svc', family: 'network' },
  Ingress: { glyph: 'ing', family: 'network' },
  ConfigMap: { glyph: 'cm', family: 'config' },
  Secret: { glyph: 'sec', family: 'config' },
  Namespace: { glyph: 'ns', family: 'namespace' },
};

export function kindGlyph(kind: string): { glyph: string; family: KindFamily } {
  return glyphs[kind] ?? { glyph: kind.replace(/[^A-Z]/g, '').slice(0, 3).toLowerCase() || kind.slice(0, 2).toLowerCase(), family: 'other' };
}

export function KindIcon({ kind }: { kind: string }) {
  const { glyph, family } = kindGlyph(kind);
  return (
    <span className={`kind-icon kind-${family}`} aria-hidden="true">
      {glyph}
    </span>
  );
}
