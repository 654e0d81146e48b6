/** The logger notify writes to: pino's shape (`logger.warn({target}, 'message')`), injected. The agent's logger fits it. */
export interface NotifyLogger {
  info(bindings: Record<string, unknown>, message?: string): void;
  warn(bindings: Record<string, unknown>, message?: string): void;
  error(bindings: Record<string, unknown>, message?: string): void;
  child(bindings: Record<string, unknown>): NotifyLogger;
}

/** Writes nothing: the default. */
export const silentNotifyLogger: NotifyLogger = {
  info() {},
  warn() {},
  error() {},
  child() {
    return silentNotifyLogger;
  },
};
