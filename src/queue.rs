//! The future event list: a binary heap keyed by (time, scheduling order),
//! with cancellation.
//!
//! # Ordering guarantees
//! 1. Events come out in order of time.
//! 2. Events at the same time come out in the order they were scheduled
//!    (first scheduled, first served), so a run never depends on heap layout.
//! 3. A cancelled event never comes out.
//!
//! # Cancellation
//! Cancellation is lazy: an event's payload lives in a slot whose
//! generation counter is bumped when the event is cancelled or delivered;
//! the heap entry that still points at the slot is recognised as stale and
//! skipped when it reaches the top. This keeps [`cancel`](EventQueue::cancel)
//! O(1) and the heap free of searches. Stale entries are compacted away when
//! they outnumber live ones, so memory stays proportional to live events.
//!
//! BENCHMARKS.md compares this queue with the keyed `priority_queue` crate;
//! the plain heap with lazy cancellation is the faster of the two for the
//! engine's mostly-insert-then-pop traffic.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::SimTime;

/// A handle to a scheduled event, for cancelling it.
///
/// Handles are cheap to copy. Cancelling an event that was already delivered
/// or cancelled does nothing, even if its slot has since been reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use = "keep the key to cancel the event later, or use `schedule_unkeyed`"]
pub struct EventKey {
    slot: u32,
    generation: u32,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    time: SimTime,
    seq: u64,
    slot: u32,
    generation: u32,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so that the max-heap yields the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

#[derive(Clone, Debug)]
struct Slot<E> {
    generation: u32,
    event: Option<E>,
}

/// A priority queue of events ordered by time, first-scheduled-first-served
/// on ties, with O(1) cancellation.
///
/// # Complexity
/// `schedule` and `pop` are O(log n) amortised; `cancel` is O(1).
///
/// # Examples
/// ```
/// use outage::queue::EventQueue;
/// use outage::SimTime;
///
/// let mut q = EventQueue::new();
/// let t = SimTime::from_millis(10);
/// q.schedule_unkeyed(t, "first");
/// let key = q.schedule(t, "cancelled");
/// q.schedule_unkeyed(t, "second");
/// assert!(q.cancel(key));
/// assert_eq!(q.pop(), Some((t, "first")));
/// assert_eq!(q.pop(), Some((t, "second")));
/// assert_eq!(q.pop(), None);
/// ```
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry>,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    next_seq: u64,
    live: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::new(), slots: Vec::new(), free: Vec::new(), next_seq: 0, live: 0 }
    }

    /// Schedules `event` at `time` and returns a key that can cancel it.
    pub fn schedule(&mut self, time: SimTime, event: E) -> EventKey {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize].event = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("more than 2^32 pending events");
                self.slots.push(Slot { generation: 0, event: Some(event) });
                slot
            }
        };
        let generation = self.slots[slot as usize].generation;
        self.heap.push(Entry { time, seq: self.next_seq, slot, generation });
        self.next_seq += 1;
        self.live += 1;
        EventKey { slot, generation }
    }

    /// Schedules an event that will never be cancelled.
    pub fn schedule_unkeyed(&mut self, time: SimTime, event: E) {
        let _ = self.schedule(time, event);
    }

    /// Cancels a scheduled event. Returns `false` if it was already
    /// delivered or cancelled.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        let Some(slot) = self.slots.get_mut(key.slot as usize) else {
            return false;
        };
        if slot.generation != key.generation || slot.event.is_none() {
            return false;
        }
        slot.event = None;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(key.slot);
        self.live -= 1;
        if self.heap.len() > 64 && self.heap.len() > 2 * self.live {
            self.compact();
        }
        true
    }

    /// Whether the event behind `key` is still waiting to be delivered.
    pub fn is_pending(&self, key: EventKey) -> bool {
        self.slots.get(key.slot as usize).is_some_and(|s| s.generation == key.generation && s.event.is_some())
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        while let Some(entry) = self.heap.pop() {
            let slot = &mut self.slots[entry.slot as usize];
            if slot.generation != entry.generation {
                continue; // cancelled
            }
            let event = slot.event.take().expect("a current slot holds its event");
            slot.generation = slot.generation.wrapping_add(1);
            self.free.push(entry.slot);
            self.live -= 1;
            return Some((entry.time, event));
        }
        None
    }

    /// The time of the earliest live event, without removing it.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(entry) = self.heap.peek() {
            if self.slots[entry.slot as usize].generation == entry.generation {
                return Some(entry.time);
            }
            self.heap.pop();
        }
        None
    }

    /// Number of live (not cancelled, not delivered) events.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no live event is waiting.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Removes every event but keeps the allocations, for reuse across runs.
    /// Keys handed out before the clear are invalidated.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.free.clear();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            slot.event = None;
            slot.generation = slot.generation.wrapping_add(1);
            self.free.push(i as u32);
        }
        self.free.reverse();
        self.next_seq = 0;
        self.live = 0;
    }

    fn compact(&mut self) {
        let slots = &self.slots;
        self.heap.retain(|e| slots[e.slot as usize].generation == e.generation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::new();
        for (time, e) in [(30, 'c'), (10, 'a'), (20, 'b'), (5, 'z')] {
            q.schedule_unkeyed(t(time), e);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ['z', 'a', 'b', 'c']);
    }

    #[test]
    fn ties_are_first_scheduled_first_served() {
        let mut q = EventQueue::new();
        for i in 0..100 {
            q.schedule_unkeyed(t(7), i);
        }
        q.schedule_unkeyed(t(3), -1);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        let expected: Vec<_> = std::iter::once(-1).chain(0..100).collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn cancelled_events_never_come_out() {
        let mut q = EventQueue::new();
        let a = q.schedule(t(1), "a");
        let b = q.schedule(t(2), "b");
        let c = q.schedule(t(3), "c");
        assert!(q.cancel(b));
        assert!(!q.cancel(b), "second cancel is a no-op");
        assert!(!q.is_pending(b));
        assert!(q.is_pending(a) && q.is_pending(c));
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(), Some((t(1), "a")));
        assert!(!q.cancel(a), "cannot cancel a delivered event");
        assert_eq!(q.pop(), Some((t(3), "c")));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn stale_keys_do_not_cancel_reused_slots() {
        let mut q = EventQueue::new();
        let old = q.schedule(t(1), 1);
        assert_eq!(q.pop(), Some((t(1), 1)));
        let new = q.schedule(t(2), 2); // reuses the slot
        assert!(!q.cancel(old));
        assert!(q.is_pending(new));
        assert_eq!(q.pop(), Some((t(2), 2)));
    }

    #[test]
    fn compaction_keeps_memory_bounded_under_churn() {
        let mut q = EventQueue::new();
        for round in 0..10_000u64 {
            let k = q.schedule(t(round + 1_000_000), round);
            assert!(q.cancel(k));
            q.schedule_unkeyed(t(round), round);
        }
        assert_eq!(q.len(), 10_000);
        assert!(q.heap.len() <= 2 * q.len() + 64, "heap holds {} entries", q.heap.len());
        assert!(q.slots.len() <= q.len() + 1);
        assert_eq!(q.peek_time(), Some(t(0)));
    }

    #[test]
    fn clear_keeps_working() {
        let mut q = EventQueue::new();
        let k = q.schedule(t(5), 'x');
        q.clear();
        assert!(q.is_empty() && q.pop().is_none());
        assert!(!q.cancel(k));
        q.schedule_unkeyed(t(1), 'y');
        assert_eq!(q.pop(), Some((t(1), 'y')));
    }
}
