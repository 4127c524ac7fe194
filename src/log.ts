import winston from 'winston';
import type Transport from 'winston-transport';
import type { LogLevel } from './config.js';

export type Logger = winston.Logger;

// Field names whose values never reach a log line, whatever scope logs them.
const SECRET_KEYS = /^(authorization|cookie|set-cookie|.*token.*|.*secret.*|.*signature.*|password|api[_-]?key|key|code)$/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key) && info[key] !== undefined) info[key] = '[redacted]';
  }
  return info;
});

/** The root logger: JSON lines on stdout (or the given transport, for tests). */
export function createLogger(level: LogLevel | 'silent', transport?: Transport): Logger {
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [transport ?? new winston.transports.Console()],
  });
}
