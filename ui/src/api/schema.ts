// Generated from src/server/openapi.json by scripts/gen-ui-api.mjs (npm run build): do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: 200 whenever the process serves */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: 200 once the agent finished its first reconcile pass */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics (a read token is required only with the metricsAuth option) */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["openapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/whoami": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The name and role of the token presented */
        get: operations["whoami"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every app in every environment of the agent */
        get: operations["listApps"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        /** One app in one environment */
        get: operations["getApp"];
        put?: never;
        post?: never;
        /** Delete every object the app applied in the environment (in reverse order, recorded in its history), then hold it: no automatic sync, self-heal or retry until a manual sync or a new commit that changes it */
        delete: operations["deleteApp"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}/resources": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        /** The app's objects with their live health and sync status, each with what it owns (ReplicaSets, Pods, Jobs) */
        get: operations["getResources"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}/diff": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        /** Live diff (server dry-run vs live) at the target revision */
        get: operations["getDiff"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}/history": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        /** The app's recorded syncs, oldest first */
        get: operations["getHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}/sync": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sync now (also a manual app, also outside a sync window) and wait for the result; who = the token's name */
        post: operations["syncApp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Re-apply an earlier history entry (default the previous successful revision); who = the token's name */
        post: operations["rollbackApp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fetch git now and re-check this app (synced if automated and changed); answers its state after */
        post: operations["refreshApp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}/object": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        /** A live object of the app: one it applied, or one its objects own (ReplicaSets, Pods, Jobs …) */
        get: operations["getAppObject"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}/object/events": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        /** The core/v1 Events about an object of the app, newest first, at most 100 */
        get: operations["getAppObjectEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/apps/{env}/{app}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        /**
         * A pod's log (a pod of the app, or one its objects own), the app's Secret values masked
         * @description With follow=true the answer is text/event-stream: each line as `event: line` with `data:` the line as a JSON string, then `event: end` (data `{}`, or `{"error": …}` when reading failed) when the log ends; a `: keep-alive` comment now and then. The read stops when the client goes away.
         */
        get: operations["getPodLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/crashes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The crashes the agent saw (one per app, pod template, container and reason and episode), newest first, at most 50 */
        get: operations["listCrashes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/commits/{sha}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A full or abbreviated commit SHA */
                sha: string;
            };
            cookie?: never;
        };
        /** A commit of the config repo the agent follows */
        get: operations["getCommit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fetch git now and re-check every app; answers the states after */
        post: operations["refresh"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events: first `event: app` for every app, then every AgentEvent as `event: <app|revision|sync|drift>` with `data: <the event as JSON>`; a `: keep-alive` comment every 15 s */
        get: operations["events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/services": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Services with artifacts or releases in the config repo, and which artifact runs in which environment */
        get: operations["listServices"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/services/{service}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Service name (a DNS label) */
                service: components["parameters"]["service"];
            };
            cookie?: never;
        };
        /** A service's release in every environment (artifact, who released it and when) with the live sync and health of the apps rendering it, its artifacts and policies */
        get: operations["getService"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/services/{service}/release": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Service name (a DNS label) */
                service: components["parameters"]["service"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Release an artifact (by id, the newest of a branch, or the one before: previous) to an environment as one commit authored by the token's name; the agent then applies it. Releasing what already runs is no commit */
        post: operations["releaseService"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/services/{service}/promote": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Service name (a DNS label) */
                service: components["parameters"]["service"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Promote: release to an environment the artifact that runs in the environment it promotes from, as one commit authored by the token's name, after its promotion gate and policies */
        post: operations["promoteService"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/policies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The release policies of the config repo */
        get: operations["listPolicies"];
        put?: never;
        /** Add or replace a release policy (auto-release or branch-restriction) as one commit authored by the token's name */
        post: operations["applyPolicy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/policies/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Policy id, such as branch-restriction-all-prod (GET /api/v1/policies) */
                id: components["parameters"]["policyId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a release policy as one commit authored by the token's name */
        delete: operations["deletePolicy"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/releases/log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The release history read from git (commits touching releases/: releases, promotions, rollbacks, auto-releases, policy changes), newest first */
        get: operations["releaseLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A push webhook from GitHub, GitLab, Gitea/Forgejo or Bitbucket (provider recognised from the headers); verified by signature or token, no bearer token */
        post: operations["webhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{provider}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                provider: "github" | "gitlab" | "gitea" | "bitbucket";
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A webhook that only this provider's secret can verify */
        post: operations["webhookOf"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/git/{repo}/info/refs": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Repository served (`<repo>.git` in the repositories directory) */
                repo: components["parameters"]["repo"];
            };
            cookie?: never;
        };
        /**
         * git smart HTTP: ref advertisement (`?service=git-upload-pack|git-receive-pack`)
         * @description Served only when the agent accepts git pushes. Role deploy; the token as bearer or as the basic-auth password.
         */
        get: operations["gitInfoRefs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/git/{repo}/git-upload-pack": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Repository served (`<repo>.git` in the repositories directory) */
                repo: components["parameters"]["repo"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * git smart HTTP: fetch
         * @description Served only when the agent accepts git pushes. Role deploy; the token as bearer or as the basic-auth password.
         */
        post: operations["gitUploadPack"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/git/{repo}/git-receive-pack": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Repository served (`<repo>.git` in the repositories directory) */
                repo: components["parameters"]["repo"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * git smart HTTP: push (a push to the watched branch refreshes the agent)
         * @description Served only when the agent accepts git pushes. Role deploy; the token as bearer or as the basic-auth password.
         */
        post: operations["gitReceivePack"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            error: {
                message: string;
                /** @enum {string} */
                category: "validation" | "conflict" | "timeout" | "transient" | "terminal" | "not-found" | "unauthorized" | "forbidden";
            };
        };
        /** @enum {string} */
        Health: "Healthy" | "Suspended" | "Progressing" | "Missing" | "Degraded" | "Unknown";
        /** @enum {string} */
        SyncStatus: "Synced" | "OutOfSync" | "Unknown";
        /** @enum {string} */
        Trigger: "startup" | "poll" | "webhook" | "push" | "manual" | "drift" | "external" | "retry" | "dependency";
        ResourceKey: {
            group: string;
            kind: string;
            /** @description '' for cluster-scoped objects */
            namespace: string;
            name: string;
        };
        /** @description created/configured/unchanged/deleted/skipped/failed counts */
        Counts: {
            [key: string]: number;
        };
        LastSync: {
            id?: number;
            revision: string;
            /** @enum {string} */
            result: "Succeeded" | "Failed";
            /** Format: date-time */
            startedAt: string;
            /** Format: date-time */
            finishedAt: string;
            trigger: components["schemas"]["Trigger"];
            who: string;
            counts: components["schemas"]["Counts"];
            message?: string;
        };
        AppState: {
            app: string;
            env: string;
            /** @description Revision last applied successfully ('' when never synced) */
            revision: string;
            targetRevision: string;
            sync: components["schemas"]["SyncStatus"];
            health: components["schemas"]["Health"];
            healthMessage?: string;
            automated: boolean;
            selfHeal: boolean;
            prune: boolean;
            operation?: {
                /** @enum {string} */
                phase: "queued" | "running";
                trigger: components["schemas"]["Trigger"];
                /** Format: date-time */
                since: string;
            };
            lastSync?: components["schemas"]["LastSync"];
            drift?: {
                /** Format: date-time */
                detectedAt: string;
                objects: string[];
            };
            failures: number;
            /** Format: date-time */
            nextRetryAt?: string;
            syncWindowOpen: boolean;
            owner?: string;
            error?: string;
            /** @description Removed from capstan.yaml (or from this environment) while objects it applied are still in the cluster; the agent deletes them only with pruneRemovedApps: true */
            orphaned?: boolean;
            /** @description An app of type: artifact before its service's first release in the environment: not synced, nothing pruned. */
            notReleased?: boolean;
            /** @description Deleted through the API: while set no automatic sync, self-heal or retry runs; a manual sync or a new commit that changes the app clears it */
            deleted?: {
                /** Format: date-time */
                at: string;
                by: string;
            };
        };
        ResourceState: {
            apiVersion: string;
            key: components["schemas"]["ResourceKey"];
            health: components["schemas"]["Health"];
            healthMessage?: string;
            sync: components["schemas"]["SyncStatus"];
            /** @description What the object owns in the cluster, by owner reference: a Deployment's ReplicaSets and their Pods, the Pods of StatefulSets, DaemonSets and Jobs, a CronJob's Jobs */
            children?: components["schemas"]["ResourceNode"][];
        };
        /** @description An object one of the app's objects owns: not the app's own (never synced or pruned), shown with its health */
        ResourceNode: {
            apiVersion: string;
            key: components["schemas"]["ResourceKey"];
            health: components["schemas"]["Health"];
            healthMessage?: string;
            children?: components["schemas"]["ResourceNode"][];
        };
        DiffResult: {
            key: components["schemas"]["ResourceKey"];
            /** @enum {string} */
            action: "create" | "delete" | "update" | "unchanged";
            /** @description Unified diff live → desired of the normalised YAML; secret values masked */
            unified: string;
            changedPaths: string[];
        };
        DiffReport: {
            app: string;
            env: string;
            revision: string;
            diffs: components["schemas"]["DiffResult"][];
            changed: boolean;
        };
        HistoryEntry: {
            id: number;
            /** @enum {string} */
            operation: "sync" | "rollback" | "delete";
            revision: string;
            /** Format: date-time */
            time: string;
            /** @enum {string} */
            result: "Succeeded" | "Failed";
            /** @description Who caused it: the token that pushed to the agent or asked it to sync or refresh, the sender a webhook names, a CI actor or user (capstan apply), or the agent (polls, drift, retries) */
            who: string;
            trigger?: components["schemas"]["Trigger"];
            changes: components["schemas"]["Counts"];
            rollbackOf?: number;
            message?: string;
        };
        Change: {
            key: components["schemas"]["ResourceKey"];
            apiVersion: string;
            /** @enum {string} */
            action: "created" | "configured" | "unchanged" | "deleted" | "skipped" | "failed";
            message?: string;
            wave?: number;
            /** @enum {string} */
            hook?: "PreSync" | "PostSync";
        };
        /** @description A sync that ran but failed is still 200, with result Failed and a message. */
        SyncActionResult: {
            app: string;
            env: string;
            revision: string;
            /** @enum {string} */
            result: "Succeeded" | "Failed";
            changeSet: {
                changes: components["schemas"]["Change"][];
            };
            counts: components["schemas"]["Counts"];
            message?: string;
        };
        SyncRequest: {
            /** @description Apply this revision instead of the branch's newest commit */
            revision?: string;
            prune?: boolean;
            /** @description Take fields other field managers own */
            force?: boolean;
        };
        RollbackRequest: {
            /** @description History entry id; default the previous successful revision */
            to?: number;
        };
        WebhookAnswer: {
            /** @enum {string} */
            status: "accepted" | "ignored";
            /** @enum {string} */
            provider: "github" | "gitlab" | "gitea" | "bitbucket";
            ref?: string;
            after?: string;
            /** @description Who pushed, as the payload names them; the syncs the push leads to are recorded as theirs */
            sender?: string;
            reason?: string;
        };
        Identity: {
            name: string;
            /** @enum {string} */
            role: "read" | "deploy" | "admin";
        };
        ArtifactStep: {
            name: string;
            /** @enum {string} */
            status: "success" | "failure" | "running" | "skipped";
            /** Format: date-time */
            at: string;
            url?: string;
        };
        /** @description What CI published (artifact.json): immutable once pushed, except its steps */
        Artifact: {
            id: string;
            service: string;
            branch: string;
            /** @description The commit it was built from */
            commit?: string;
            /** @description Who wrote that commit */
            author?: string;
            message?: string;
            /** @description A link to the CI build */
            url?: string;
            /**
             * Format: date-time
             * @description When it was pushed
             */
            builtAt: string;
            /** @description Environments with manifests of their own; absent: one set for every environment */
            environments?: string[];
            /** @description sha256 of the manifests */
            digest: string;
            steps: components["schemas"]["ArtifactStep"][];
        };
        /** @enum {string} */
        ReleaseAction: "release" | "promote" | "rollback" | "auto-release";
        ReleaseEntry: {
            artifact: string;
            action: components["schemas"]["ReleaseAction"];
            /** Format: date-time */
            releasedAt: string;
            /** @description A token's name or a git identity */
            releasedBy: string;
            /** @description promote: the environment it came from */
            from?: string;
            /** @description A promotion gate overridden with force: which, and why it would have refused */
            forced?: string;
        };
        /** @description releases/<service>/<env>.yaml: what runs now, and before */
        ReleaseRecord: components["schemas"]["ReleaseEntry"] & {
            service: string;
            env: string;
            /** @description Earlier releases, newest first (what previous walks back through) */
            history: components["schemas"]["ReleaseEntry"][];
        };
        Policy: {
            id: string;
            /** @enum {string} */
            type: "auto-release" | "branch-restriction";
            /** @description Absent: every service */
            service?: string;
            env: string;
            /** @description auto-release: the branch whose new artifacts are released to env */
            branch?: string;
            /** @description branch-restriction: only artifacts of matching branches may run in env */
            branchRegex?: string;
        };
        ServiceSummary: {
            service: string;
            /** @description How many artifacts it has */
            artifacts: number;
            newestArtifact?: {
                id: string;
                branch: string;
                /** Format: date-time */
                builtAt: string;
            };
            environments: {
                env: string;
                /** @description Absent before its first release there */
                artifact?: string;
                branch?: string;
                action?: components["schemas"]["ReleaseAction"];
                /** Format: date-time */
                releasedAt?: string;
                releasedBy?: string;
            }[];
        };
        /** @description An app of type: artifact rendering the service, as this agent sees it now */
        LiveApp: {
            app: string;
            /** @enum {string} */
            sync: "Synced" | "OutOfSync" | "Unknown" | "NotReleased";
            health: components["schemas"]["Health"];
            healthMessage?: string;
            /** @description The revision last applied ('' when never synced) */
            revision: string;
            error?: string;
        };
        ServiceStatus: {
            service: string;
            /** @description The config repo commit this was read at */
            revision: string;
            environments: {
                env: string;
                promotesFrom?: string;
                /** @description The apps of type: artifact rendering the service there */
                apps: string[];
                release?: components["schemas"]["ReleaseRecord"];
                artifact?: components["schemas"]["Artifact"];
                /** @description Those of the apps this agent reconciles */
                live: components["schemas"]["LiveApp"][];
            }[];
            /** @description Newest first */
            artifacts: components["schemas"]["Artifact"][];
            /** @description The policies covering the service */
            policies: components["schemas"]["Policy"][];
        };
        /** @description Exactly one of artifact, branch and previous */
        ReleaseRequest: {
            env: string;
            /** @description Release this artifact */
            artifact?: string;
            /** @description Release the newest artifact of this branch */
            branch?: string;
            /**
             * @description Roll back: release the artifact that ran before the current one
             * @enum {boolean}
             */
            previous?: true;
            /** @description Why, recorded in the commit message */
            reason?: string;
        };
        PromoteRequest: {
            /** @description The environment to promote into (from its promotesFrom) */
            env: string;
            /** @description Promote even when the promotion gate refuses (the commit records it) */
            force?: boolean;
            /** @description Why, recorded in the commit message */
            reason?: string;
        };
        ReleaseResult: {
            /** @description false: a no-op (it already runs), see reason */
            committed: boolean;
            /** @description The commit pushed to the config repo */
            commit?: string;
            /** @description Why nothing was committed */
            reason?: string;
            service: string;
            env: string;
            action: components["schemas"]["ReleaseAction"];
            artifact: string;
            /** @description The artifact's branch */
            branch: string;
            /** @description promote: the environment it came from */
            from?: string;
            /** @description The artifact that ran before */
            previous?: string;
            /** @description The promotion gate overridden, and why it would have refused */
            forced?: string;
        };
        PolicyRequest: {
            /** @enum {string} */
            type: "auto-release" | "branch-restriction";
            /** @description The service it covers; absent: every service */
            service?: string;
            env: string;
            /** @description auto-release (required there): the branch whose new artifacts are released */
            branch?: string;
            /** @description branch-restriction (required there): the branches that may run in env, such as ^master$ */
            branchRegex?: string;
        };
        PolicyChange: {
            committed: boolean;
            commit?: string;
            /** @description Why nothing was committed */
            reason?: string;
            policy: components["schemas"]["Policy"];
        };
        ReleaseLogEntry: {
            commit: string;
            /** Format: date-time */
            date: string;
            /** @description The commit's author: the person or token */
            author: string;
            subject: string;
            /** @description release, promote, rollback, auto-release, policy-apply, policy-delete */
            action: string;
            service?: string;
            env?: string;
            artifact?: string;
            previous?: string;
            from?: string;
            forced?: string;
            branch?: string;
        };
        /** @description A live object of the app (or one its objects own): metadata.managedFields removed; a Secret's data and stringData values, its last-applied-configuration annotation and any annotation holding one of its values read "*****". */
        LiveObject: {
            apiVersion: string;
            key: components["schemas"]["ResourceKey"];
            manifest: {
                [key: string]: unknown;
            };
        };
        ObjectEvent: {
            /** @description Normal or Warning */
            type: string;
            reason: string;
            message: string;
            count: number;
            /** Format: date-time */
            firstTimestamp?: string;
            /** Format: date-time */
            lastTimestamp?: string;
            /** @description The component (and host) that reported it */
            source?: string;
        };
        ObjectEvents: {
            /** @description Newest first, at most 100 */
            events: components["schemas"]["ObjectEvent"][];
        };
        LogLines: {
            /** @description The last tailLines lines, Secret values of the app masked */
            lines: string[];
        };
        DeleteRequest: {
            /** @description The app's name, typed again */
            confirm: string;
        };
        ReleaseInfo: {
            service: string;
            /** @description The artifact id */
            artifact: string;
            branch?: string;
            /** @description The commit of the service's source the artifact was built from */
            commit?: string;
            /** @description Who wrote that commit */
            author?: string;
            /** @description Who released the artifact to the environment */
            releasedBy?: string;
        };
        CrashReport: {
            app: string;
            env: string;
            namespace: string;
            pod: string;
            container: string;
            /** @enum {string} */
            reason: "CrashLoopBackOff" | "CreateContainerConfigError" | "ImagePullBackOff" | "ErrImagePull" | "OOMKilled";
            exitCode?: number;
            restartCount: number;
            /**
             * Format: date-time
             * @description When it was reported
             */
            time: string;
            /** @description What the kubelet says, Secret values masked */
            message?: string;
            release?: components["schemas"]["ReleaseInfo"];
            /** @description The container's last log lines (of the run that crashed), Secret values masked */
            logLines: string[];
        };
        CrashReports: {
            /** @description Newest first, at most 50; empty when the agent does not watch for crashes */
            reports: components["schemas"]["CrashReport"][];
        };
        CommitInfo: {
            /** @description The full SHA */
            sha: string;
            subject: string;
            /** @description Name <email> */
            author: string;
            /**
             * Format: date-time
             * @description Author date
             */
            time: string;
        };
    };
    responses: {
        /** @description No valid token (WWW-Authenticate: Bearer) */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The token lacks the role */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /** @description Environment name */
        env: string;
        /** @description App name */
        app: string;
        /** @description Repository served (`<repo>.git` in the repositories directory) */
        repo: string;
        /** @description Service name (a DNS label) */
        service: string;
        /** @description Policy id, such as branch-restriction-all-prod (GET /api/v1/policies) */
        policyId: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Serving */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status?: string;
                        version?: string;
                    };
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status?: string;
                    };
                };
            };
            /** @description Not ready yet */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    openapi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OpenAPI 3 document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    whoami: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Identity */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Identity"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
        };
    };
    listApps: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description App states, in environment then app order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppState"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description The agent is starting */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApp: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description App state */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppState"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app in that environment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteApp: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeleteRequest"];
            };
        };
        responses: {
            /** @description The delete ran (see result) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SyncActionResult"];
                };
            };
            /** @description confirm is not the app's name */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app, or it has nothing applied */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Another replica reconciles the app */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Timed out waiting for the app's lock */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getResources: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Resources */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResourceState"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app in that environment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getDiff: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Diff */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DiffReport"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app in that environment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getHistory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description History */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HistoryEntry"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app in that environment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    syncApp: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SyncRequest"];
            };
        };
        responses: {
            /** @description The sync ran (see result) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SyncActionResult"];
                };
            };
            /** @description Unreadable body */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app in that environment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Refused by capstan (e.g. an invalid revision) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Timed out */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    rollbackApp: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RollbackRequest"];
            };
        };
        responses: {
            /** @description The rollback ran (see result) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SyncActionResult"];
                };
            };
            /** @description Unreadable body */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app in that environment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Refused by capstan */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Timed out */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    refreshApp: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description App state */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppState"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app in that environment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAppObject: {
        parameters: {
            query: {
                /** @description The object's apiVersion (`apps/v1`, `v1`) */
                apiVersion: string;
                /** @description The object's kind */
                kind: string;
                /** @description Its namespace; empty or absent for a cluster-scoped object */
                namespace?: string;
                /** @description Its name */
                name: string;
            };
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The object */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LiveObject"];
                };
            };
            /** @description A query parameter is missing or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app, the object is not the app's, or it is not in the cluster */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAppObjectEvents: {
        parameters: {
            query: {
                /** @description The object's apiVersion (`apps/v1`, `v1`) */
                apiVersion: string;
                /** @description The object's kind */
                kind: string;
                /** @description Its namespace; empty or absent for a cluster-scoped object */
                namespace?: string;
                /** @description Its name */
                name: string;
            };
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Its Events */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ObjectEvents"];
                };
            };
            /** @description A query parameter is missing or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app, or the object is not the app's */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getPodLogs: {
        parameters: {
            query: {
                /** @description The pod's namespace */
                namespace: string;
                /** @description The pod's name */
                pod: string;
                /** @description The container; required when the pod has several */
                container?: string;
                /** @description The last lines only */
                tailLines?: number;
                /** @description Keep sending lines as the container writes them (server-sent events) */
                follow?: boolean;
            };
            header?: never;
            path: {
                /** @description Environment name */
                env: components["parameters"]["env"];
                /** @description App name */
                app: components["parameters"]["app"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The lines (follow=false), or a stream of them (follow=true) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LogLines"];
                    "text/event-stream": string;
                };
            };
            /** @description A query parameter is missing or malformed (tailLines beyond 5000) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such app, or the pod is not the app's */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The server refused the read (several containers and none named) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listCrashes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The reports */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CrashReports"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getCommit: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A full or abbreviated commit SHA */
                sha: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The commit */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CommitInfo"];
                };
            };
            /** @description Not 7 to 40 hexadecimal characters, or an abbreviation several commits share */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such commit in the repository */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the cluster or git remote did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    refresh: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description App states */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppState"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description The agent is starting or git did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    events: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Event stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description The agent is starting */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listServices: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Services, by name */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceSummary"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Release management is not served here */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the config repo did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getService: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Service name (a DNS label) */
                service: components["parameters"]["service"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The service's release state */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceStatus"];
                };
            };
            /** @description Not a service name */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description The service has no artifacts and no releases (or release management is not served here) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the config repo did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    releaseService: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Service name (a DNS label) */
                service: components["parameters"]["service"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReleaseRequest"];
            };
        };
        responses: {
            /** @description Released (committed), or nothing to do (committed: false, with reason) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReleaseResult"];
                };
            };
            /** @description Unreadable body, or it does not say what to do */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Unknown service (or release management is not served here) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Refused by capstan, with why: a policy (branch restriction), a promotion gate, an unknown environment or artifact */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault, such as a push the config repo refused */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the config repo did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    promoteService: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Service name (a DNS label) */
                service: components["parameters"]["service"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PromoteRequest"];
            };
        };
        responses: {
            /** @description Promoted (committed), or nothing to do (committed: false, with reason) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReleaseResult"];
                };
            };
            /** @description Unreadable body, or it does not say what to do */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Unknown service (or release management is not served here) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Refused by capstan, with why: a policy (branch restriction), a promotion gate, an unknown environment or artifact */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault, such as a push the config repo refused */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the config repo did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listPolicies: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Policies */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Policy"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Release management is not served here */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the config repo did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    applyPolicy: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PolicyRequest"];
            };
        };
        responses: {
            /** @description Applied (committed), or already in effect (committed: false) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PolicyChange"];
                };
            };
            /** @description Unreadable body, or it does not say what to do */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Release management is not served here */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Refused by capstan, with why: a policy (branch restriction), a promotion gate, an unknown environment or artifact */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault, such as a push the config repo refused */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the config repo did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deletePolicy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Policy id, such as branch-restriction-all-prod (GET /api/v1/policies) */
                id: components["parameters"]["policyId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PolicyChange"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such policy (or release management is not served here) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Server fault, such as a push the config repo refused */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the config repo did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    releaseLog: {
        parameters: {
            query?: {
                /** @description Only this service */
                service?: string;
                /** @description Only this environment */
                env?: string;
                /** @description At most this many entries */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Log entries, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReleaseLogEntry"][];
                };
            };
            /** @description Unknown query parameter, or limit not 1-9999 */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Release management is not served here */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The agent is starting, or the config repo did not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    webhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "*/*": string;
            };
        };
        responses: {
            /** @description Verified but nothing to do (ping, another event, a push to another branch) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookAnswer"];
                };
            };
            /** @description A push to the watched branch: a refresh was started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookAnswer"];
                };
            };
            /** @description Unreadable, or sent to another provider's endpoint */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Bad or missing signature or token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    webhookOf: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                provider: "github" | "gitlab" | "gitea" | "bitbucket";
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "*/*": string;
            };
        };
        responses: {
            /** @description Verified but nothing to do (ping, another event, a push to another branch) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookAnswer"];
                };
            };
            /** @description A push to the watched branch: a refresh was started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookAnswer"];
                };
            };
            /** @description Unreadable, or sent to another provider's endpoint */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Bad or missing signature or token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    gitInfoRefs: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Repository served (`<repo>.git` in the repositories directory) */
                repo: components["parameters"]["repo"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Refs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such repository */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    gitUploadPack: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Repository served (`<repo>.git` in the repositories directory) */
                repo: components["parameters"]["repo"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Pack */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/x-git-upload-pack-result": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such repository */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    gitReceivePack: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Repository served (`<repo>.git` in the repositories directory) */
                repo: components["parameters"]["repo"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Report */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/x-git-receive-pack-result": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such repository */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
}
