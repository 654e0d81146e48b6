/**
 * Which differences to ignore on which objects, declared per app in capstan.yaml
 * (`apps[].ignoreDifferences`). Types only: config reads and validates the rules when capstan.yaml
 * loads; diff applies them.
 *
 * A rule matches an object when every selector it sets matches: `kind` (or `*` for any kind),
 * `group` (omitted: any group; `''` is the core group; `*` any), `name` and `namespace` (omitted:
 * any). A rule ignores something: its `jsonPointers`, its `managedFieldsManagers`' fields, or both.
 */
export interface IgnoreRule {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** RFC 6901 pointers to the fields to ignore, e.g. `/spec/replicas`. */
  jsonPointers?: string[];
  /**
   * Ignore the fields that these field managers own in the live object's `metadata.managedFields`,
   * e.g. `kube-controller-manager`, which owns `spec.replicas` when an HPA scales a Deployment.
   */
  managedFieldsManagers?: string[];
}
