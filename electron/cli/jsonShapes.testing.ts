/**
 * For tests: the documented `--json` shapes (shared/cli-json/*.schema.json), each real output
 * held to its schema with ajv, so the files a script author reads are the ones the CLI keeps to.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { expect } from 'vitest';

export const schemaDir = path.join(import.meta.dirname, '../../shared/cli-json');

// strict: an unknown keyword or a typo in a schema fails here, not silently validates everything.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = new Map(
  readdirSync(schemaDir)
    .filter((name) => name.endsWith('.schema.json'))
    .map((name) => [name.replace('.schema.json', ''), ajv.compile(JSON.parse(readFileSync(path.join(schemaDir, name), 'utf8')))]),
);

/** `value` (parsed) is what shared/cli-json/`name`.schema.json says; returns it for further checks. */
export function expectShape<T = Record<string, unknown>>(name: string, value: unknown): T {
  const validate = validators.get(name);
  if (!validate) throw new Error(`No schema shared/cli-json/${name}.schema.json`);
  validate(value);
  expect(validate.errors ?? [], `${name}: ${JSON.stringify(value).slice(0, 400)}`).toEqual([]);
  return value as T;
}

/** stdout of a `--json` command: exactly one JSON document held to its schema. */
export const jsonOut = <T = Record<string, unknown>>(name: string, out: string): T => expectShape<T>(name, JSON.parse(out));

/** stdout of a job with `--json`: JSON Lines, each held to the job-event schema (or the error schema). */
export function jsonLines(out: string): Record<string, unknown>[] {
  expect(out.endsWith('\n')).toBe(true);
  return out
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const value = JSON.parse(line) as Record<string, unknown>;
      return expectShape('error' in value ? 'error' : 'job-event', value);
    });
}
