/**
 * The worker's log: one JSON object per line on stdout, e.g.
 * `{"time":"2026-01-31T12:00:00.000Z","level":"info","event":"job.finish","helpcenter":"…","outcome":"ok",…}`.
 *
 * Fields are primitives only: nothing can dump an object (a job, an error
 * with its cause, a client with its token) into the log by accident. Writes
 * to a pipe or file are synchronous in Node on Linux, so the last lines before
 * an exit are not lost.
 */

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;
export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/**
 * A JSON-lines logger on `out`. A write that throws (a full disk: writes to
 * files are synchronous) never reaches the caller: the logger calls
 * `onWriteError` once and drops every later line, so that a log the
 * process can no longer write never fails a sync midway; the worker then
 * stops cleanly (cli/worker.ts).
 */
export function jsonLogger(out: { write(line: string): unknown } = process.stdout, now: () => number = Date.now, onWriteError?: (e: unknown) => void): Logger {
  let broken = false;
  const write = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (broken) return;
    const line: Record<string, LogValue> = { time: new Date(now()).toISOString(), level, event };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && !(k in line)) line[k] = v;
    try {
      out.write(`${JSON.stringify(line)}\n`);
    } catch (e) {
      broken = true;
      onWriteError?.(e);
    }
  };
  return {
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}

/** A logger that drops everything (library use, tests). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** An error as one log-safe line: the message only (our errors never carry the token), newlines folded. */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}
