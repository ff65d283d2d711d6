/**
 * Errors are values a person can act on: a code for programs, a message that says what went wrong,
 * and a hint that says what to do. Every shell turns an AppError into its own form (an envelope,
 * an exit code, an inline message) so no user ever sees "Error invoking remote method".
 */
export type ErrorCode =
  'invalid_input' | 'not_found' | 'tool_missing' | 'busy' | 'conflict' | 'io' | 'failed' | 'cancelled' | 'timeout' | 'unsupported' | 'internal';

export interface FieldIssue {
  /** Dotted path of the field, e.g. `agents.1.ip`; a CLI maps it to its flag. */
  path: string;
  message: string;
}

/**
 * A refusal a person can answer (write anyway, destroy first), in fields a shell matches on
 * instead of the message's words: the app asks its question from these.
 */
export type Refusal =
  /** The folder holds another lab or files that are not a lab's: `force` writes anyway. */
  | { kind: 'folder-taken'; dir: string; holds: string }
  /** These machines' VMs exist and the lab would no longer have them: destroy them first. */
  | { kind: 'vms-exist'; dir: string; machines: string[] };

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  hint?: string;
  issues?: FieldIssue[];
  refusal?: Refusal;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly issues?: FieldIssue[];
  readonly refusal?: Refusal;

  constructor(code: ErrorCode, message: string, options: { hint?: string; issues?: FieldIssue[]; refusal?: Refusal; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = options.hint;
    this.issues = options.issues;
    this.refusal = options.refusal;
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.hint) info.hint = this.hint;
    if (this.issues?.length) info.issues = this.issues;
    if (this.refusal) info.refusal = this.refusal;
    return info;
  }
}

/** Anything thrown becomes an ErrorInfo; unknown errors keep their message but are marked internal. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof AppError) return error.toInfo();
  if (isErrorInfo(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message, hint: 'This is a bug in Cluster Lab; the log has the details.' };
}

function isErrorInfo(value: unknown): value is ErrorInfo {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value && !(value instanceof Error);
}

/** One line for a person: the message, then the hint. */
export function describeError(info: ErrorInfo): string {
  return info.hint ? `${info.message} ${info.hint}` : info.message;
}
