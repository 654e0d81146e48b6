/**
 * The commented `capstan.yaml` that `capstan init` writes, and the app it names. Optional settings
 * are shown commented out; in the template below they are marked with `?` where their `#` goes, so
 * that tests can switch them all on and prove that every example in the starter is itself valid.
 * What is not commented out names only what `starterFiles()` creates, so `capstan validate` passes
 * right after `capstan init`.
 */

const template = `# capstan.yaml: the desired state of every app in every environment.
# capstan reads this one file at the root of the config repo. Lines starting with "#" are
# comments; remove the "#" before an optional setting to use it.

apiVersion: capstan.dev/v1alpha1   # the version of this file's format
kind: Project

# Environments, in order. Every app is deployed to each of them unless it lists its own.
environments:
  - name: dev                      # a DNS label: lowercase letters, digits and "-"
    ?cluster: kind-dev            # the kubeconfig context to deploy to; omitted: the current context
                                   # (or the cluster the agent runs in)
  - name: staging
    promotesFrom: dev              # capstan promote <service> --env staging releases here, as one
                                   # commit, what runs of the service in dev
    ?promotion:                   # a gate on promoting out of staging (into prod): the service's
    ?  requireHealthyFor: 10m     # apps Synced and Healthy here this long first (--force overrides)
  - name: prod
    promotesFrom: staging          # capstan promote <service> --env prod: from staging to prod
    ?syncWindows:                 # when the agent may sync automatically: never inside a deny
    ?  - kind: deny               # window, nor outside the allow windows when there are some
    ?    schedule: "0 18 * * 5"   # cron: minute hour day-of-month month day-of-week (Friday 18:00)
    ?    duration: 62h            # how long the window lasts: h, m, s (here: until Monday 8:00)
    ?    timeZone: Europe/Berlin  # IANA time zone of the schedule; default UTC

# Scopes: where apps may write beyond what is always theirs (as Argo CD's AppProjects). Without
# one, an app writes only to its namespace and the namespaces it creates, and of the
# cluster-scoped kinds only Namespaces and CRDs; capstan's own namespace, never.
?scopes:
?  - name: platform               # apps refer to it with scope: platform
?    namespaces: [monitoring, "team-*"]   # names or patterns ("*" matches any characters)
?    clusterResources:            # cluster-scoped kinds ("" is the core group; "*" is any)
?      - { group: rbac.authorization.k8s.io, kind: ClusterRole }

# Apps: what to deploy. Each is rendered from a directory of this repo.
apps:
  - name: guestbook                # a DNS label, unique in the project
    source: apps/guestbook         # directory inside this repo (relative, no ".."); capstan init
                                   # wrote a Deployment and a Service there to start from
    ?type: directory              # directory (plain YAML), kustomize, helm or pins;
                                   # omitted: detected from the files in source. (An app of
                                   # type: artifact has no source: it renders the artifact that
                                   # capstan release put in each environment; see the README)
    namespace: guestbook           # namespace for objects that do not name one
    createNamespace: true          # create the namespace if missing (default false)
    ?dependsOn: [database]        # sync these apps first and wait until they are healthy
    ?scope: platform              # where else it may write (see scopes), or inline:
                                   # { namespaces: [guestbook-cache] }
    ?images:                      # change images in every rendered workload
    ?  - name: nginx              # the image as written in the manifests, without tag
    ?    newName: registry.example.com/nginx   # another registry or name (optional)
    ?    newTag: "1.27"           # the tag to use (quote it: 1.10 is a number in YAML) ...
    ?  - name: redis
    ?    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000   # ... or a digest, not both
    ?ignoreDifferences:           # parts of live objects that differ on purpose (not drift)
    ?  - kind: Deployment         # also: group, name, namespace to narrow it down
    ?    jsonPointers: [/spec/replicas]             # e.g. scaled by an autoscaler
    ?    managedFieldsManagers: [kube-controller-manager]   # fields owned by these managers
    ?health:                      # custom health rules for kinds capstan does not know
    ?  - group: example.com       # API group of the kind ("" for the core group)
    ?    kind: Widget
    ?    rules:                   # tried in order: the first whose "when" all hold decides;
    ?                             # none holds: capstan's own assessment (Ready condition, ...)
    ?      - status: Degraded     # Healthy, Suspended, Progressing, Missing, Degraded or Unknown
    ?        when:                # each: a path and one of equals, in, exists (true or false)
    ?          - { path: "status.conditions[type=Ready].status", equals: "False" }
    ?        message: "{{ status.conditions[type=Ready].message }}"   # {{ path }}: the field's value
    ?      - status: Healthy
    ?        when: [{ path: status.phase, in: [Ready, Running] }]
    syncPolicy:                    # how changes are synced, in every environment
      automated: true              # sync when git changes (default true); false: sync by hand
      prune: true                  # delete objects removed from git (default true)
      selfHeal: false              # undo changes made in the cluster (default false)
      allowEmpty: false            # let an empty render delete everything (default false)
    ?syncOptions:
    ?  timeout: 5m                # how long to wait for each wave to become healthy (default 5m)
    ?  retry: { limit: 5, backoff: 5s, maxBackoff: 3m }   # retries of a failed sync (these are the defaults)
    environments:                  # per-environment settings; when present, the app is deployed
                                   # only to the environments listed here
      dev:
        ?source: apps/guestbook/overlays/dev   # another directory for this environment
        namespace: guestbook-dev
        sync: auto                 # auto or manual: shorthand for syncPolicy.automated
        ?images:                  # image changes for this environment only (merged by name)
        ?  - name: nginx
        ?    newTag: "1.27-debug"
      staging:
        ?cluster: staging-cluster   # another kubeconfig context for this app only
      prod:
        syncPolicy: { automated: false, selfHeal: true }   # overrides, field by field

  ?- name: database               # a Helm chart from this repo
  ?  source: charts/postgres
  ?  type: helm
  ?  namespace: database
  ?  helm:
  ?    releaseName: db            # default: the app's name
  ?    valuesFiles: [values.yaml]   # relative to source, applied in order
  ?    values:                    # inline values, applied after the files
  ?      primary: { persistence: { size: 8Gi } }
  ?  environments:
  ?    dev:                       # nothing to override in dev
  ?    staging:
  ?    prod:
  ?      helm: { valuesFiles: [values-prod.yaml], values: { replicas: 3 } }   # added to the app's
`;

export interface StarterOptions {
  /** Whether the optional examples are active instead of commented out (for tests). */
  examples?: boolean;
}

/** The text of the starter `capstan.yaml` for `capstan init`. */
export function renderStarter(options: StarterOptions = {}): string {
  return template.replace(/^( *)\?/gm, (_, indent: string) => (options.examples ? indent : `${indent}# `));
}

/** The commented starter `capstan.yaml` that `capstan init` writes. */
export function starterProject(): string {
  return renderStarter();
}

const starterDeployment = `# The guestbook app: every .yaml, .yml and .json file of apps/guestbook is one of its objects.
# Objects that name no namespace go to the app's namespace (capstan.yaml: namespace).
apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook
  labels:
    app.kubernetes.io/name: guestbook
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: guestbook
  template:
    metadata:
      labels:
        app.kubernetes.io/name: guestbook
    spec:
      containers:
        - name: guestbook
          image: nginx:1.27
          ports:
            - name: http
              containerPort: 80
          readinessProbe:
            httpGet:
              path: /
              port: http
`;

const starterService = `apiVersion: v1
kind: Service
metadata:
  name: guestbook
  labels:
    app.kubernetes.io/name: guestbook
spec:
  selector:
    app.kubernetes.io/name: guestbook
  ports:
    - name: http
      port: 80
      targetPort: http
`;

/**
 * Every file `capstan init` writes, by path relative to the config repo: the starter
 * `capstan.yaml` and the manifests of the app it names (a plain directory: no tool needed to render it).
 */
export function starterFiles(): Record<string, string> {
  return {
    'capstan.yaml': starterProject(),
    'apps/guestbook/deployment.yaml': starterDeployment,
    'apps/guestbook/service.yaml': starterService,
  };
}
