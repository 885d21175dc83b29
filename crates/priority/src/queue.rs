//! A priority queue that knows when its work is done: lesson 3's queue, with the highest priority first
//! instead of the oldest item first, and items of equal priority in the order they went in.
//!
//! It keeps every promise of lesson 3's queue, with the same ends and the same signatures: `put` waits
//! while the queue is full, `get` waits while it is empty, the queue closes when its last sender is dropped,
//! and `join()` waits until every item is done, where "done" is the drop of a [`TaskDone`] receipt.
//!
//! Why by hand: tokio's channels are first in, first out. A priority queue has to decide, at every `get`,
//! which of the waiting items goes next, so it needs the items in a structure it can search: here a map
//! behind a plain lock, with two `Notify`s to wake whoever waits for an item or for room.
//!
//! `cargo xtask explore 4` compiles this very file a second time, against shuttle's tokio, and tries it in
//! thousands of orderings of its tasks, as a multi-threaded runtime could run them (`crates/explorer`).

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::num::NonZeroU64;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::error::SendError;
use tokio::sync::{Notify, watch};

/// What the queue needs to know about an item: its priority. The greatest priority comes out first.
pub trait Prioritized {
    /// The priority's type: anything ordered, such as an enum whose last variant is the most urgent.
    type Priority: Ord + Copy + std::fmt::Debug;

    /// This item's priority.
    fn priority(&self) -> Self::Priority;
}

/// A pair of a priority and an item is prioritized by its first half, for tests and benchmarks.
impl<P: Ord + Copy + std::fmt::Debug, T> Prioritized for (P, T) {
    type Priority = P;

    fn priority(&self) -> P {
        self.0
    }
}

/// Makes a priority queue that holds up to `capacity` items, and returns its two ends.
///
/// With `oldest_every` set to `k`, every `k`-th item taken is the oldest one waiting, whatever its
/// priority: a share of the workers' time for the jobs that high-priority ones would otherwise starve.
pub fn channel<T: Prioritized>(
    capacity: usize,
    oldest_every: Option<NonZeroU64>,
) -> (QueueSender<T>, Queue<T>) {
    // The count of unfinished items, for `join()`, as in lesson 3.
    let (unfinished, _) = watch::channel(0);
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            by_rank: BTreeMap::new(),
            by_age: BTreeMap::new(),
            next_sequence: 0,
            taken: 0,
            senders: 1,
            receivers: 1,
        }),
        capacity,
        oldest_every,
        item_added: Notify::new(),
        room_made: Notify::new(),
        unfinished: Arc::new(unfinished),
    });
    let sender = QueueSender { shared: shared.clone() };
    let queue = Queue { shared };
    (sender, queue)
}

/// What both ends share.
#[derive(Debug)]
struct Shared<T: Prioritized> {
    state: Mutex<State<T>>,
    capacity: usize,
    oldest_every: Option<NonZeroU64>,
    /// Wakes a `get` that waits for an item; all of them when the queue closes.
    item_added: Notify,
    /// Wakes a `put` that waits for room; all of them when every receiving end is gone.
    room_made: Notify,
    /// How many items were put and are not done yet, for `join()` (as in lesson 3).
    unfinished: Arc<watch::Sender<usize>>,
}

/// The queue's contents. Only ever touched under the lock, and the lock is never held across an `.await`.
#[derive(Debug)]
struct State<T: Prioritized> {
    /// The waiting items, best first: the highest priority, then the smallest sequence number.
    ///
    /// A `BinaryHeap` would give the highest priority first, but among equal priorities it promises no
    /// order at all: two "normal" jobs could come out in either order. The sequence number, given out in
    /// the order of `put`, breaks every tie by arrival, so equal priorities are first in, first out.
    by_rank: BTreeMap<(Reverse<T::Priority>, u64), T>,
    /// The same items by sequence number alone, oldest first, to find the oldest for `oldest_every`.
    by_age: BTreeMap<u64, T::Priority>,
    next_sequence: u64,
    /// How many items have been taken, to count every `oldest_every`-th one.
    taken: u64,
    /// How many `QueueSender`s are alive; at zero the queue is closed.
    senders: usize,
    /// How many `Queue` ends are alive; at zero nobody can take an item, and `put` fails.
    receivers: usize,
}

/// The end that puts items on the queue. Clone it for more producers; when the last one is dropped, the
/// queue is closed.
#[derive(Debug)]
pub struct QueueSender<T: Prioritized> {
    shared: Arc<Shared<T>>,
}

/// The end that takes items off the queue, and can wait for all of them to be done. Clone it into every
/// worker. Holding one does not keep the queue open: only senders do.
#[derive(Debug)]
pub struct Queue<T: Prioritized> {
    shared: Arc<Shared<T>>,
}

/// The receipt for one item taken off the queue: dropping it marks the item done (see lesson 3).
#[derive(Debug)]
#[must_use = "dropping the receipt at once marks the item done before it is processed"]
pub struct TaskDone {
    unfinished: Arc<watch::Sender<usize>>,
}

impl<T: Prioritized> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No code panics while holding the lock, so a poisoned lock would still hold a consistent state.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T: Prioritized> QueueSender<T> {
    /// Puts `item` on the queue, in its place by priority, waiting while the queue is full. Fails only if
    /// every [`Queue`] end is gone.
    pub async fn put(&self, item: T) -> Result<(), SendError<T>> {
        // Count the item before it is in the queue, so that `join()` cannot see zero while it is on its way.
        count_one_more(&self.shared.unfinished);
        loop {
            // Make the `Notified` *before* looking, so that room made between the look and the wait still wakes
            // it. `enable` puts it on `notify_one`'s list at once: for those not on it, there is one permit.
            let room_made = self.shared.room_made.notified();
            tokio::pin!(room_made);
            room_made.as_mut().enable();
            {
                let mut state = self.shared.lock();
                if state.receivers == 0 {
                    drop(state);
                    count_one_done(&self.shared.unfinished);
                    return Err(SendError(item));
                }
                if state.by_age.len() < self.shared.capacity {
                    let sequence = state.next_sequence;
                    state.next_sequence += 1;
                    let priority = item.priority();
                    state.by_rank.insert((Reverse(priority), sequence), item);
                    state.by_age.insert(sequence, priority);
                    drop(state);
                    self.shared.item_added.notify_one();
                    return Ok(());
                }
            }
            room_made.await;
        }
    }

    /// Whether the queue is full, so that a `put` now would have to wait.
    pub fn is_full(&self) -> bool {
        self.shared.lock().by_age.len() >= self.shared.capacity
    }
}

// Written by hand rather than derived: `#[derive(Clone)]` would ask for `T: Clone`, and a clone of a sender
// must be counted, so that the queue closes only when the last one is dropped.
impl<T: Prioritized> Clone for QueueSender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        QueueSender { shared: self.shared.clone() }
    }
}

impl<T: Prioritized> Drop for QueueSender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.senders -= 1;
        if state.senders == 0 {
            drop(state);
            // The queue is closed: wake every waiting `get`, so that each can see it and return `None`.
            self.shared.item_added.notify_waiters();
        }
    }
}

impl<T: Prioritized> Queue<T> {
    /// Waits for the next item, and returns it with its receipt: the item of the highest priority, or every
    /// `oldest_every`-th time the oldest. Returns `None` once the queue is closed (every sender dropped) and
    /// empty.
    pub async fn get(&self) -> Option<(T, TaskDone)> {
        loop {
            // As in `put`: ask to be woken before looking, so that no wake-up is lost in between.
            let item_added = self.shared.item_added.notified();
            tokio::pin!(item_added);
            item_added.as_mut().enable();
            {
                let mut state = self.shared.lock();
                if let Some(item) = Self::take(&mut state, self.shared.oldest_every) {
                    drop(state);
                    self.shared.room_made.notify_one();
                    let done = TaskDone { unfinished: self.shared.unfinished.clone() };
                    return Some((item, done));
                }
                if state.senders == 0 {
                    return None;
                }
            }
            item_added.await;
        }
    }

    /// Takes the item to hand out next, if any.
    fn take(state: &mut State<T>, oldest_every: Option<NonZeroU64>) -> Option<T> {
        if state.by_age.is_empty() {
            return None;
        }
        state.taken += 1;
        let oldest_turn = oldest_every.is_some_and(|every| state.taken.is_multiple_of(every.get()));
        let (priority, sequence) = if oldest_turn {
            let (&sequence, &priority) = state.by_age.first_key_value()?;
            (priority, sequence)
        } else {
            let (&(Reverse(priority), sequence), _) = state.by_rank.first_key_value()?;
            (priority, sequence)
        };
        state.by_age.remove(&sequence);
        state.by_rank.remove(&(Reverse(priority), sequence))
    }

    /// Waits until every item put on the queue so far is done: taken off and its receipt dropped.
    /// Returns at once if nothing is unfinished, as asyncio's `join()` does.
    pub async fn join(&self) {
        let mut count = self.shared.unfinished.subscribe();
        // `wait_for` looks at the current value first, then at every change, so it cannot miss the zero.
        count
            .wait_for(|unfinished| *unfinished == 0)
            .await
            .expect("the count's sender lives as long as this queue");
    }

    /// How many items were put on the queue and are not done yet.
    pub fn unfinished(&self) -> usize {
        *self.shared.unfinished.borrow()
    }
}

// Written by hand, and counted, as for the sender.
impl<T: Prioritized> Clone for Queue<T> {
    fn clone(&self) -> Self {
        self.shared.lock().receivers += 1;
        Queue { shared: self.shared.clone() }
    }
}

impl<T: Prioritized> Drop for Queue<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.receivers -= 1;
        if state.receivers == 0 {
            drop(state);
            // Nobody can take an item any more: wake every waiting `put`, so that each can see it and fail.
            self.shared.room_made.notify_waiters();
        }
    }
}

impl Drop for TaskDone {
    fn drop(&mut self) {
        count_one_done(&self.unfinished);
    }
}

/// Counts one more unfinished item. Nobody is woken: `join()` waits for zero, and the count is not zero.
fn count_one_more(unfinished: &watch::Sender<usize>) {
    unfinished.send_if_modified(|count| {
        *count += 1;
        false
    });
}

/// Counts one item done, and wakes whoever waits in `join()` if it was the last one: the only change of
/// the count that `join()` cares about, so the only one worth a wake-up.
fn count_one_done(unfinished: &watch::Sender<usize>) {
    unfinished.send_if_modified(|count| {
        *count -= 1;
        *count == 0
    });
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Awaits `future`, failing the test instead of hanging it if a bug makes the future wait for ever. Every
    /// test's whole body runs under it too, so that a broken queue fails its tests rather than hangs them.
    async fn within_a_minute<F: Future>(future: F) -> F::Output {
        tokio::time::timeout(Duration::from_secs(60), future).await.expect("this should not wait for ever")
    }

    /// Takes every item off a closed queue, in the order the queue gives them.
    async fn drain(queue: &Queue<(u8, &'static str)>) -> Vec<&'static str> {
        let mut taken = Vec::new();
        while let Some(((_, item), _done)) = within_a_minute(queue.get()).await {
            taken.push(item);
        }
        taken
    }

    #[tokio::test(start_paused = true)]
    async fn highest_priority_first_and_equal_priorities_in_arrival_order() {
        within_a_minute(async {
            let (sender, queue) = channel(10, None);
            for item in [(1, "low-a"), (2, "high-a"), (1, "low-b"), (2, "high-b"), (1, "low-c")] {
                sender.put(item).await.unwrap();
            }
            drop(sender);
            assert_eq!(drain(&queue).await, ["high-a", "high-b", "low-a", "low-b", "low-c"]);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn every_kth_take_is_the_oldest() {
        within_a_minute(async {
            let (sender, queue) = channel(10, NonZeroU64::new(2));
            for item in [(1, "low-a"), (2, "high-a"), (2, "high-b"), (2, "high-c")] {
                sender.put(item).await.unwrap();
            }
            drop(sender);
            assert_eq!(drain(&queue).await, ["high-a", "low-a", "high-b", "high-c"]);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn put_waits_while_full_and_resumes_when_room_is_made() {
        within_a_minute(async {
            let (sender, queue) = channel::<(u8, u32)>(1, None);
            sender.put((0, 1)).await.unwrap();
            assert!(sender.is_full());
            let second = tokio::spawn(async move { sender.put((0, 2)).await });
            tokio::time::sleep(Duration::from_secs(1)).await;
            assert!(!second.is_finished(), "put returned while the queue was full");
            let ((_, first), _done) = queue.get().await.unwrap();
            assert_eq!(first, 1);
            within_a_minute(second).await.unwrap().unwrap();
            assert_eq!(queue.get().await.map(|((_, item), _)| item), Some(2));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn put_fails_once_every_receiving_end_is_gone() {
        within_a_minute(async {
            let (sender, queue) = channel::<(u8, u32)>(1, None);
            sender.put((0, 1)).await.unwrap();
            let waiting = tokio::spawn(async move { sender.put((0, 2)).await });
            tokio::time::sleep(Duration::from_secs(1)).await;
            drop(queue);
            let refused = within_a_minute(waiting).await.unwrap();
            assert_eq!(refused.unwrap_err().0, (0, 2), "the item comes back");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn closing_wakes_every_waiting_getter() {
        within_a_minute(async {
            let (sender, queue) = channel::<(u8, u32)>(10, None);
            let getters: Vec<_> = (0..3)
                .map(|_| {
                    let queue = queue.clone();
                    tokio::spawn(async move { queue.get().await.map(|((_, item), _)| item) })
                })
                .collect();
            tokio::time::sleep(Duration::from_secs(1)).await;
            drop(sender);
            for getter in getters {
                assert_eq!(within_a_minute(getter).await.unwrap(), None);
            }
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn join_waits_for_every_receipt() {
        within_a_minute(async {
            let (sender, queue) = channel::<(u8, u32)>(10, None);
            sender.put((0, 1)).await.unwrap();
            sender.put((0, 2)).await.unwrap();
            let (_, first) = queue.get().await.unwrap();
            let waiting = tokio::time::timeout(Duration::from_secs(60), queue.join()).await;
            assert!(waiting.is_err(), "join returned with items unfinished");
            drop(first);
            let (_, second) = queue.get().await.unwrap();
            drop(second);
            within_a_minute(queue.join()).await;
            assert_eq!(queue.unfinished(), 0);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn no_item_is_lost_or_duplicated_between_many_producers_and_workers() {
        within_a_minute(async {
            let (sender, queue) = channel::<(u8, u32)>(3, None);
            let producers: Vec<_> = (0..4u32)
                .map(|producer| {
                    let sender = sender.clone();
                    tokio::spawn(async move {
                        for item in 0..50 {
                            sender.put(((item % 3) as u8, producer * 1000 + item)).await.unwrap();
                            tokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            drop(sender);
            let workers: Vec<_> = (0..5)
                .map(|_| {
                    let queue = queue.clone();
                    tokio::spawn(async move {
                        let mut taken = Vec::new();
                        while let Some(((_, item), _done)) = queue.get().await {
                            taken.push(item);
                            tokio::task::yield_now().await;
                        }
                        taken
                    })
                })
                .collect();
            for producer in producers {
                within_a_minute(producer).await.unwrap();
            }
            let mut all = Vec::new();
            for worker in workers {
                all.extend(within_a_minute(worker).await.unwrap());
            }
            all.sort();
            let expected: Vec<u32> =
                (0..4).flat_map(|producer| (0..50).map(move |item| producer * 1000 + item)).collect();
            assert_eq!(all, expected);
        })
        .await;
    }
}
