/**
 * Every shell's entry into the services: the call name and its arguments are checked against the
 * contract, the handler runs, and whatever happens comes back as an envelope.
 */
import { calls, isCallName, type Envelope, type Handlers } from '../../shared/contract';
import { AppError, toErrorInfo } from '../../shared/errors';

export async function dispatch(handlers: Handlers, name: unknown, rawArgs: unknown): Promise<Envelope<unknown>> {
  try {
    if (!isCallName(name)) throw new AppError('invalid_input', `Unknown call "${String(name)}".`);
    const parsed = calls[name].args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'args', message: i.message }));
      throw new AppError('invalid_input', `Bad arguments for ${name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    }
    const handler = handlers[name] as (args: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}
