/** Typed fan-out of contract events from services to whichever shells are listening. */
import { eventNames, type EventName, type EventPayload } from '../../shared/contract';

type Listener<K extends EventName> = (payload: EventPayload<K>) => void;

export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();

  on<K extends EventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<EventName>);
    return () => set.delete(listener as Listener<EventName>);
  }

  /** Subscribe to every event; returns the unsubscribe function. */
  onAny(listener: <K extends EventName>(name: K, payload: EventPayload<K>) => void): () => void {
    const offs = eventNames.map((name) => this.on(name, (p) => listener(name, p)));
    return () => offs.forEach((off) => off());
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    for (const listener of this.listeners.get(name) ?? []) listener(payload);
  }
}
