//! The future event list: a radix heap keyed by time, events of the same
//! time in scheduling order, with cancellation.
//!
//! # Ordering guarantees
//! 1. Events come out in order of time.
//! 2. Events at the same time come out in the order they were scheduled
//!    (first scheduled, first served), so a run never depends on heap layout.
//! 3. A cancelled event never comes out.
//! 4. Time never goes backwards: an event scheduled before the time of the
//!    last event taken out is delivered at that time instead (after the
//!    events already scheduled for it).
//!
//! # Why a radix heap, and why our own
//! In a discrete-event simulation every new event is scheduled at or after
//! the current time, so times only grow. A radix heap exploits that: it
//! files each event into one of 65 buckets by the highest bit in which its
//! time differs from the last time taken out, and only re-files the events
//! of one bucket when that bucket comes to the front. It moves far less
//! memory than a binary heap, whose every removal walks the tree from root
//! to leaf. The `radix-heap` crate, used before, keys on (time, order) in
//! 129 buckets and finds the first non-empty one by scanning them all:
//! `perf annotate` put 45% of its pop in that scan. This one keys on time
//! alone, keeps a bit mask of the non-empty buckets (one instruction finds
//! the first), and orders events of the same time by a sequence number
//! within the front bucket only. BENCHMARKS.md has the measurements.
//!
//! # Cancellation
//! Cancellation is lazy: an event's payload lives in a slot whose
//! generation counter is bumped when the event is cancelled or delivered;
//! the heap entry that still points at the slot is recognised as stale and
//! skipped when it reaches the top. This keeps [`cancel`](EventQueue::cancel)
//! O(1) and the heap free of searches. Stale entries are compacted away when
//! they outnumber live ones, so memory stays proportional to live events.
//!
//! BENCHMARKS.md also compares this queue with the keyed `priority_queue`
//! crate; lazy cancellation is the faster design for the engine's
//! mostly-insert-then-pop traffic.

use std::collections::VecDeque;

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

/// A filed event: its time in milliseconds, its scheduling order, and the
/// slot (and the slot's generation) that holds its payload.
#[derive(Clone, Copy, Debug)]
struct Entry {
    time: u64,
    seq: u64,
    slot: u32,
    generation: u32,
}

/// Buckets: 0 for the last time taken out, `b` for times whose highest
/// bit differing from it is bit `b - 1`.
const BUCKETS: usize = 65;

/// A monotone radix heap of entries: times never below the last popped.
#[derive(Clone, Debug)]
struct RadixHeap {
    /// Entries at exactly `last`, in scheduling order (front first).
    front: VecDeque<Entry>,
    /// Buckets 1..=64 (index 0 unused).
    buckets: Vec<Vec<Entry>>,
    /// Bit `b` set: bucket `b` is not empty (b >= 1).
    occupied: u128,
    /// The reference time buckets are filed against: the smallest time at
    /// the last re-filing, or the queue's clock after `rewind`. Never after
    /// any entry held.
    last: u64,
    len: usize,
}

impl RadixHeap {
    fn new() -> Self {
        RadixHeap { front: VecDeque::new(), buckets: vec![Vec::new(); BUCKETS], occupied: 0, last: 0, len: 0 }
    }

    fn bucket(time: u64, last: u64) -> usize {
        (u64::BITS - (time ^ last).leading_zeros()) as usize
    }

    /// Files an entry; its time must be at least `last`.
    fn push(&mut self, entry: Entry) {
        debug_assert!(entry.time >= self.last);
        self.len += 1;
        // Sequence numbers only grow: appending keeps the front in order.
        self.file(entry);
    }

    /// Puts an entry in its bucket against `last` (the front for `last`).
    fn file(&mut self, entry: Entry) {
        let b = Self::bucket(entry.time, self.last);
        if b == 0 {
            self.front.push_back(entry);
        } else {
            self.buckets[b].push(entry);
            self.occupied |= 1 << b;
        }
    }

    fn pop(&mut self) -> Option<Entry> {
        if self.front.is_empty() {
            self.refill();
        }
        let entry = self.front.pop_front()?;
        self.len -= 1;
        Some(entry)
    }

    /// Moves the earliest time's entries to the front: the lowest
    /// non-empty bucket is re-filed around its smallest time, each entry
    /// into a lower bucket (so each entry is re-filed at most 64 times).
    fn refill(&mut self) {
        if self.occupied == 0 {
            return;
        }
        let b = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << b);
        let mut entries = std::mem::take(&mut self.buckets[b]);
        self.last = entries.iter().map(|e| e.time).min().unwrap_or(self.last);
        for e in entries.drain(..) {
            self.file(e);
        }
        // Keep the bucket's allocation for the next time it fills.
        self.buckets[b] = entries;
        self.front.make_contiguous().sort_unstable_by_key(|e| e.seq);
    }

    fn len(&self) -> usize {
        self.len
    }

    /// Files later entries against `time`, which must not be after any
    /// entry held (true of an empty heap).
    fn rewind(&mut self, time: u64) {
        debug_assert!(self.len == 0);
        self.last = time;
    }

    fn clear(&mut self) {
        self.front.clear();
        for b in &mut self.buckets {
            b.clear();
        }
        self.occupied = 0;
        self.last = 0;
        self.len = 0;
    }

    /// Keeps only the entries for which `keep` holds, in their buckets.
    fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) {
        self.front.retain(&mut keep);
        let mut len = self.front.len();
        for (b, bucket) in self.buckets.iter_mut().enumerate().skip(1) {
            bucket.retain(&mut keep);
            len += bucket.len();
            if bucket.is_empty() {
                self.occupied &= !(1 << b);
            }
        }
        self.len = len;
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
/// `schedule` and `cancel` are O(1); `pop` is amortised O(log of the time
/// range) (at most 64 re-filings of an event over its life).
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
    heap: RadixHeap,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    next_seq: u64,
    live: usize,
    /// The time of the last event taken out.
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: RadixHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            live: 0,
            now: SimTime::ZERO,
        }
    }

    /// Schedules `event` at `time` (or at the time of the last event taken
    /// out, if that is later) and returns a key that can cancel it.
    pub fn schedule(&mut self, time: SimTime, event: E) -> EventKey {
        let time = time.max(self.now);
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
        self.heap.push(Entry { time: time.as_millis(), seq: self.next_seq, slot, generation });
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
        while let Some(Entry { time, slot: index, generation, .. }) = self.heap.pop() {
            let slot = &mut self.slots[index as usize];
            if slot.generation != generation {
                continue; // cancelled
            }
            let event = slot.event.take().expect("a current slot holds its event");
            slot.generation = slot.generation.wrapping_add(1);
            self.free.push(index);
            self.live -= 1;
            self.now = SimTime::from_millis(time);
            return Some((self.now, event));
        }
        // Stale entries passed over on the way here may have moved the
        // heap's reference time past the clock, which events may still be
        // scheduled at.
        self.heap.rewind(self.now.as_millis());
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

    /// Removes every event but keeps the allocations, for reuse across runs,
    /// and sets the clock back to zero. Keys handed out before the clear are
    /// invalidated.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.now = SimTime::ZERO;
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

    /// Drops the entries of cancelled events, which the heap cannot remove in place.
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
        assert_eq!(q.pop().map(|(time, _)| time), Some(t(0)));
    }

    #[test]
    fn time_never_goes_backwards() {
        let mut q = EventQueue::new();
        q.schedule_unkeyed(t(10), "a");
        q.schedule_unkeyed(t(10), "b");
        assert_eq!(q.pop(), Some((t(10), "a")));
        // Scheduled in the past: delivered at 10, after "b".
        q.schedule_unkeyed(t(3), "late");
        q.schedule_unkeyed(t(11), "c");
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, [(t(10), "b"), (t(10), "late"), (t(11), "c")]);
    }

    #[test]
    fn matches_a_sorted_order_on_random_traffic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut q = EventQueue::new();
        let mut expected = std::collections::BTreeSet::new(); // (time, seq) of live events
        let mut keys = Vec::new();
        let mut now = 0;
        let mut seq = 0;
        for _ in 0..20_000 {
            match rng.next_u32() % 4 {
                0 | 1 => {
                    let time = now + u64::from(rng.next_u32() % 1000);
                    keys.push((q.schedule(t(time), seq), time, seq));
                    expected.insert((time, seq));
                    seq += 1;
                }
                2 if !keys.is_empty() => {
                    let (key, time, s) = keys.swap_remove(rng.next_u32() as usize % keys.len());
                    if q.cancel(key) {
                        expected.remove(&(time, s));
                    }
                }
                _ => {
                    let want = expected.pop_first();
                    let got = q.pop().map(|(time, s)| (time.as_millis(), s));
                    assert_eq!(got, want);
                    if let Some((time, _)) = got {
                        now = time;
                    }
                }
            }
        }
    }

    #[test]
    fn an_emptied_queue_accepts_times_before_cancelled_ones() {
        let mut q = EventQueue::new();
        q.schedule_unkeyed(t(5), 'a');
        let late = q.schedule(t(1_000), 'x');
        assert_eq!(q.pop(), Some((t(5), 'a')));
        assert!(q.cancel(late));
        assert_eq!(q.pop(), None); // passes over the stale entry at 1,000
        q.schedule_unkeyed(t(7), 'b');
        q.schedule_unkeyed(t(6), 'c');
        assert_eq!(q.pop(), Some((t(6), 'c')));
        assert_eq!(q.pop(), Some((t(7), 'b')));
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
