import winston from 'winston';
import type Transport from 'winston-transport';
import type { LogLevel } from './config.js';
import { redactDeep, redactSecrets } from './redact.js';

export type Logger = winston.Logger;

// Field names whose values never reach a log line, whatever scope logs them.
const SECRET_KEYS = /^(authorization|cookie|set-cookie|.*token.*|.*secret.*|.*signature.*|password|api[_-]?key|key|code)$/i;

/**
 * Every record's fields: a secret-named field is dropped whole; every other value, whatever its
 * name, loses the known secrets and anything that looks like a token (an OAuth token in a URL
 * path, a credential-named query or form field, a bearer header; see redact.ts), because an error
 * message or stack logged as `error` can carry those.
 */
function redactFields(secrets: readonly string[]) {
  return winston.format((info) => {
    for (const key of Object.keys(info)) {
      const value = info[key];
      if (value === undefined) continue;
      if (SECRET_KEYS.test(key)) info[key] = '[redacted]';
      else if (typeof value === 'string') info[key] = redactSecrets(value, secrets);
      else if (value instanceof Error) info[key] = redactSecrets(value.stack ?? value.message, secrets);
      else if (value !== null && typeof value === 'object') info[key] = redactDeep(value, secrets);
    }
    return info;
  })();
}

// errors({ stack }) copies an Error's message and stack into the record: redact those after it.
function redactCopied(secrets: readonly string[]) {
  return winston.format((info) => {
    if (typeof info.message === 'string') info.message = redactSecrets(info.message, secrets);
    if (typeof info.stack === 'string') info.stack = redactSecrets(info.stack, secrets);
    return info;
  })();
}

/**
 * The root logger: JSON lines on stdout (or the given transport, for tests). `secrets` are the
 * configuration's (configSecrets in redact.ts): never written, whatever field carries them.
 */
export function createLogger(level: LogLevel | 'silent', transport?: Transport, secrets: readonly string[] = []): Logger {
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    format: winston.format.combine(redactFields(secrets), winston.format.timestamp(), winston.format.errors({ stack: true }), redactCopied(secrets), winston.format.json()),
    transports: [transport ?? new winston.transports.Console()],
  });
}
