import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';

/**
 * A KubeConfig whose clients reuse connections. @kubernetes/client-node 1.4 builds a new
 * https.Agent for every request, so every call pays a TCP and TLS handshake; this keeps one
 * keep-alive agent per context (same CA, client certificate and proxy-less target), which is
 * what makes hundreds of applies per second possible.
 */
export class PooledKubeConfig extends KubeConfig {
  private agents = new Map<string, http.Agent>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getAgent();
    // proxy agents are left alone: they carry their own connection handling
    if (!(fresh instanceof https.Agent) && !(fresh?.constructor === http.Agent)) return;
    const key = this.getCurrentContext();
    let pooled = this.agents.get(key);
    if (!pooled) {
      const options = { ...(fresh as https.Agent).options, keepAlive: true, maxSockets: 64, maxFreeSockets: 64 };
      pooled = fresh instanceof https.Agent ? new https.Agent(options) : new http.Agent(options);
      this.agents.set(key, pooled);
    }
    fresh.destroy();
    context.setAgent(pooled);
  }

  /** The headers (bearer token, exec plugin credentials) and the pooled agent (TLS) of a request to `url`. */
  async authentication(url: string): Promise<{ headers: Record<string, string>; agent: http.Agent | undefined }> {
    const context = new RequestContext(url, HttpMethod.GET);
    await this.applySecurityAuthentication(context);
    return { headers: context.getHeaders(), agent: context.getAgent() as http.Agent | undefined };
  }

  /** Closes pooled connections (lets a process exit promptly). */
  closeConnections(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
