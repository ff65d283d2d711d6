/** The jobs room: the runner, and what its callers (the services, the CLI, tests) name. */
export { LabRunner, type LineListener, type RunnerOptions } from './runner';
export { LOCK_FILE, withLabLock } from './lock';
