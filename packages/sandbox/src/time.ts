/** A time as Kubernetes writes metav1.Time: RFC 3339 in UTC, whole seconds (`2024-05-06T01:02:03Z`). */
export function formatTime(time: number | Date): string {
  return (typeof time === 'number' ? new Date(time) : time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
