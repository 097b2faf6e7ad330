// Taps into one root actor's XState system, used by the actor host instead of the inspection API
// (which makes XState build and copy several inspection objects for every event). Every event
// bound for an actor goes through `system._relay(source, target, event)`: host sends (no source),
// delayed events (the actor itself) and child results or sends (a child). Every delayed event is
// scheduled and cancelled through `system.scheduler`. These are internals of xstate 5.33 (pinned
// in package.json); test/engine proves the host's log against pure replay, which catches a drift.
import type { AnyActorRef, EventObject } from 'xstate';

type Relay = (source: AnyActorRef | undefined, target: AnyActorRef, event: EventObject) => void;

interface TappableSystem {
  _relay: Relay;
  scheduler: {
    schedule: (source: AnyActorRef, target: AnyActorRef, event: EventObject, delay: number, id?: string) => void;
    cancel: (source: AnyActorRef, id: string) => void;
  };
}

export interface ActorTaps {
  /**
   * Called before XState queues an event for `root`; `source` is undefined for external sends.
   * Returning false drops the event: the actor never sees it (the host does this once its log failed).
   */
  beforeDeliver(source: AnyActorRef | undefined, event: EventObject): boolean;
  /** Called when the actor schedules a delayed event for itself with this send id, `delay` ms from now. */
  delayedEventScheduled(id: string, delay: number): void;
  /** Called when the actor cancels a delayed event with this send id. */
  delayedEventCancelled(id: string): void;
}

export function tapActorSystem(root: AnyActorRef, taps: ActorTaps): void {
  const system = root.system as unknown as TappableSystem;
  const relay = system._relay;
  system._relay = (source, target, event) => {
    if (target === root && !taps.beforeDeliver(source, event)) return;
    relay(source, target, event);
  };
  const { scheduler } = system;
  const schedule = scheduler.schedule.bind(scheduler);
  const cancel = scheduler.cancel.bind(scheduler);
  scheduler.schedule = (source, target, event, delay, id) => {
    if (id !== undefined && source === root && target === root) taps.delayedEventScheduled(id, delay);
    schedule(source, target, event, delay, id);
  };
  scheduler.cancel = (source, id) => {
    if (source === root) taps.delayedEventCancelled(id);
    cancel(source, id);
  };
}
