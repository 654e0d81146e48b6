// git's smart HTTP server side: `git http-backend`, the CGI program that runs upload-pack (clone,
// fetch) and receive-pack (push) for a served bare repository. The HTTP work (limits, spooling,
// refusals, the answer) is the server's; which git runs, with what configuration, is decided here.
import { spawn, type ChildProcess } from 'node:child_process';
import { baseEnvironment, safeConfig } from './git-runner.ts';

/** The push policy of the served repositories. */
export interface ReceivePolicy {
  /** Let branches be rewritten (non-fast-forward). Default false. */
  allowForcePush?: boolean;
  /** Let branches be deleted. Default false. */
  allowDeletes?: boolean;
}

/** One HTTP request, as the CGI variables git http-backend reads. */
export interface HttpBackendRequest {
  method: string;
  /** `/<name>.git/<endpoint>`: the repository under the project root and the smart-HTTP endpoint. */
  pathInfo: string;
  query: string;
  contentType: string;
  remoteAddr: string;
  /** Who is pushing: the committer of reflog entries. */
  remoteUser?: string;
  /** The client's `Git-Protocol` header; passed on only when it is a plain `key=value:…` list. */
  gitProtocol?: string;
}

export interface HttpBackendOptions extends ReceivePolicy {
  /** The directory of the served bare repositories (`GIT_PROJECT_ROOT`); git runs there. */
  projectRoot: string;
  request: HttpBackendRequest;
  /** A request body will be written to the process's stdin; without one its stdin is closed. */
  input: boolean;
}

const GIT_PROTOCOL_VALUE = /^[A-Za-z0-9=:.,_-]{1,256}$/;

/**
 * The git configuration of every backend run: capstan's safe config (hooks off through
 * core.hooksPath=/dev/null, no global or system config), receive-pack enabled, no dumb-HTTP file
 * access, and the push policy. Given with `-c`, it takes precedence over the served repository's
 * own config and reaches the receive-pack / upload-pack that http-backend starts.
 */
export function backendConfig(policy: ReceivePolicy = {}): string[] {
  const settings = [
    'core.hooksPath=/dev/null',
    'http.receivepack=true',
    'http.uploadpack=true',
    'http.getanyfile=false',
    `receive.denyNonFastForwards=${policy.allowForcePush ? 'false' : 'true'}`,
    `receive.denyDeletes=${policy.allowDeletes ? 'false' : 'true'}`,
    'receive.advertisePushOptions=false',
  ];
  return [...safeConfig(), ...settings.flatMap((s) => ['-c', s])];
}

// CGI variables that this process's own environment must not smuggle into the backend.
const CGI_VARIABLES = new Set([
  'AUTH_TYPE', 'CONTENT_LENGTH', 'CONTENT_TYPE', 'GATEWAY_INTERFACE', 'PATH_INFO', 'PATH_TRANSLATED', 'QUERY_STRING',
  'REMOTE_ADDR', 'REMOTE_HOST', 'REMOTE_USER', 'REQUEST_METHOD', 'SCRIPT_NAME', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL',
]);

/** The environment of a backend run: git's safe base environment, without inherited CGI variables, plus the request's. */
export function backendEnvironment(projectRoot: string, request: HttpBackendRequest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(baseEnvironment())) {
    if (CGI_VARIABLES.has(name) || name.startsWith('HTTP_')) continue;
    env[name] = value;
  }
  return {
    ...env,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    PATH_INFO: request.pathInfo,
    REQUEST_METHOD: request.method,
    QUERY_STRING: request.query,
    CONTENT_TYPE: request.contentType,
    REMOTE_ADDR: request.remoteAddr,
    // No CONTENT_LENGTH and no encoding: git reads the (decoded) body from its pipe to the end.
    ...(request.gitProtocol && GIT_PROTOCOL_VALUE.test(request.gitProtocol) ? { HTTP_GIT_PROTOCOL: request.gitProtocol } : {}),
    ...(request.remoteUser ? { REMOTE_USER: request.remoteUser } : {}),
  };
}

/**
 * Starts `git http-backend` for one request, with an argument array and the configuration above, so
 * hooks of the served repositories never run. Its stdout is the CGI answer (a `Status:` line and
 * headers, a blank line, the body). It is detached: git and the receive-pack / index-pack it starts
 * share a process group, which the caller kills as one (`process.kill(-pid)`) on a time limit.
 */
export function startHttpBackend(options: HttpBackendOptions): ChildProcess {
  return spawn('git', [...backendConfig(options), 'http-backend'], {
    cwd: options.projectRoot,
    env: backendEnvironment(options.projectRoot, options.request),
    stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
}
