/** The logger the agent writes to: pino's shape (`logger.info({app, env}, 'message')`), injected. */
export interface AgentLogger {
  info(bindings: Record<string, unknown>, message?: string): void;
  warn(bindings: Record<string, unknown>, message?: string): void;
  error(bindings: Record<string, unknown>, message?: string): void;
  child(bindings: Record<string, unknown>): AgentLogger;
}

/** Writes nothing: the default. */
export const silentLogger: AgentLogger = {
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
