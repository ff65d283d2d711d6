/**
 * One page's calls into the services: a browser-mode socket, or the document in the Electron window.
 * A page attaches to a lab (job.attach) to see another program's job there, and main follows that
 * job's log file while any page is attached. A page that goes (closed, reloaded, crashed) never says
 * job.detach, so its shell ends the session, which lets go for it: otherwise main would go on
 * following a log nobody shows, one more time for every reload.
 */
import type { Envelope, Handlers } from '../../shared/contract';
import { dispatch } from './dispatch';

export interface PageSession {
  /** A call through the one dispatcher, counting the labs the page attaches to and detaches from. */
  call(name: unknown, args: unknown): Promise<Envelope<unknown>>;
  /** The page has gone: one job.detach for each attach it left standing. */
  end(): void;
}

export function pageSession(handlers: Handlers): PageSession {
  const attached = new Map<string, number>();
  let ended = false;
  return {
    async call(name, args) {
      const envelope = await dispatch(handlers, name, args);
      const dir = (args as { dir?: unknown } | null)?.dir;
      // An attach still on its way when the page went: nobody is left to detach it but us.
      if (ended && envelope.ok && typeof dir === 'string' && name === 'job.attach') void dispatch(handlers, 'job.detach', { dir });
      else if (envelope.ok && typeof dir === 'string' && (name === 'job.attach' || name === 'job.detach')) {
        const count = (attached.get(dir) ?? 0) + (name === 'job.attach' ? 1 : -1);
        if (count > 0) attached.set(dir, count);
        else attached.delete(dir);
      }
      return envelope;
    },
    end() {
      ended = true;
      const left = [...attached];
      attached.clear();
      for (const [dir, count] of left) for (let i = 0; i < count; i++) void dispatch(handlers, 'job.detach', { dir });
    },
  };
}
