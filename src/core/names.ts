const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * An RFC 1123 label, as Kubernetes names namespaces: at most 63 lowercase letters, digits and "-",
 * starting and ending with a letter or digit. Namespaces, services and environments are named so.
 */
export function isDnsLabel(text: string): boolean {
  return dnsLabel.test(text);
}
