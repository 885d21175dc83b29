//! A queue that knows when its work is done: a tokio `mpsc` channel with asyncio's `join()` and
//! `task_done()` added, where "done" is a value that cannot be forgotten.
//!
//! | asyncio                      | here                                                        |
//! |------------------------------|-------------------------------------------------------------|
//! | `await queue.put(job)`       | `sender.put(job).await`                                     |
//! | `job = await queue.get()`    | `let (job, done) = queue.get().await?`                      |
//! | `queue.task_done()`          | dropping `done`, which happens by itself at the end of scope |
//! | `await queue.join()`         | `queue.join().await`                                        |
//! | sentinels, one per worker    | dropping the last sender: `get()` then returns `None`        |
//!
//! asyncio counts unfinished jobs: `put` adds one, `task_done()` takes one away, and `join()` waits for zero.
//! The Python lesson's worker calls `task_done()` only after a job succeeds, so a job that raises is never
//! marked done and `join()` waits for ever. Here `get` hands out a [`TaskDone`] with every job, and dropping
//! it is what takes the job off the count. Every way out of a worker's loop body drops it: the end of the
//! body, `continue`, `?`, a `return`, even a panic that unwinds. So the count cannot be forgotten.
//!
//! `cargo xtask explore 3` compiles this very file a second time, against shuttle's tokio, and tries it in
//! thousands of orderings of its tasks, as a multi-threaded runtime could run them (`crates/explorer`).

use std::sync::Arc;

use tokio::sync::mpsc::{self, error::SendError};
use tokio::sync::{Mutex, watch};

/// Makes a queue that holds up to `capacity` items, and returns its two ends.
pub fn channel<T>(capacity: usize) -> (QueueSender<T>, Queue<T>) {
    let (sender, receiver) = mpsc::channel(capacity);
    // The count of unfinished items. A `watch` channel holds one value and wakes whoever waits for it to
    // change, which is what `join()` needs: no polling, and no wake-up lost between a check and a wait.
    let (unfinished, _) = watch::channel(0);
    let unfinished = Arc::new(unfinished);
    let sender = QueueSender { sender, unfinished: unfinished.clone() };
    let queue = Queue { receiver: Arc::new(Mutex::new(receiver)), unfinished };
    (sender, queue)
}

/// The end that puts items on the queue. Clone it for more producers; when the last one is dropped, the
/// queue is closed.
#[derive(Debug)]
pub struct QueueSender<T> {
    sender: mpsc::Sender<T>,
    unfinished: Arc<watch::Sender<usize>>,
}

// Written by hand rather than derived: `#[derive(Clone)]` would ask for `T: Clone`, which the queue does not need.
impl<T> Clone for QueueSender<T> {
    fn clone(&self) -> Self {
        QueueSender { sender: self.sender.clone(), unfinished: self.unfinished.clone() }
    }
}

/// The end that takes items off the queue, and can wait for all of them to be done. Clone it into every
/// worker. Holding one does not keep the queue open: only senders do.
#[derive(Debug)]
pub struct Queue<T> {
    receiver: Arc<Mutex<mpsc::Receiver<T>>>,
    unfinished: Arc<watch::Sender<usize>>,
}

// Written by hand rather than derived: `#[derive(Clone)]` would ask for `T: Clone`, which the queue does not need.
impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue { receiver: self.receiver.clone(), unfinished: self.unfinished.clone() }
    }
}

/// The receipt for one item taken off the queue. Dropping it marks the item done, as asyncio's
/// `task_done()` does, but it cannot be forgotten: it is dropped on every path out of the scope that holds it.
#[derive(Debug)]
#[must_use = "dropping the receipt at once marks the item done before it is processed"]
pub struct TaskDone {
    unfinished: Arc<watch::Sender<usize>>,
}

impl<T> QueueSender<T> {
    /// Puts `item` on the queue, waiting while the queue is full. Fails only if every [`Queue`] end is gone.
    pub async fn put(&self, item: T) -> Result<(), SendError<T>> {
        // Count the item before it is in the queue, so that `join()` cannot see zero while it is on its way.
        count_one_more(&self.unfinished);
        let sent = self.sender.send(item).await;
        if sent.is_err() {
            count_one_done(&self.unfinished);
        }
        sent
    }

    /// Whether the queue is full, so that a `put` now would have to wait.
    pub fn is_full(&self) -> bool {
        self.sender.capacity() == 0
    }
}

impl<T> Queue<T> {
    /// Waits for the next item, and returns it with its receipt. Returns `None` once the queue is closed
    /// (every sender dropped) and empty: the channel's own sentinel, which every worker sees.
    pub async fn get(&self) -> Option<(T, TaskDone)> {
        // Hold the lock only while receiving, so that the other workers can receive while this one works.
        let item = self.receiver.lock().await.recv().await?;
        let done = TaskDone { unfinished: self.unfinished.clone() };
        Some((item, done))
    }

    /// Waits until every item put on the queue so far is done: taken off and its receipt dropped.
    /// Returns at once if nothing is unfinished, as asyncio's `join()` does.
    pub async fn join(&self) {
        let mut count = self.unfinished.subscribe();
        // `wait_for` looks at the current value first, then at every change, so it cannot miss the zero.
        count
            .wait_for(|unfinished| *unfinished == 0)
            .await
            .expect("the count's sender lives as long as this queue");
    }

    /// How many items were put on the queue and are not done yet.
    pub fn unfinished(&self) -> usize {
        *self.unfinished.borrow()
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

    #[tokio::test(start_paused = true)]
    async fn join_waits_until_every_receipt_is_dropped() {
        within_a_minute(async {
            let (sender, queue) = channel(10);
            sender.put("a").await.unwrap();
            sender.put("b").await.unwrap();
            let (_, first) = queue.get().await.unwrap();
            let (_, second) = queue.get().await.unwrap();
            assert_eq!(queue.unfinished(), 2);

            let joined = tokio::spawn({
                let queue = queue.clone();
                async move { queue.join().await }
            });
            drop(first);
            tokio::time::sleep(Duration::from_secs(1)).await;
            assert!(!joined.is_finished(), "join returned with an item still in hand");
            drop(second);
            within_a_minute(joined).await.unwrap();
            assert_eq!(queue.unfinished(), 0);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn join_counts_items_still_in_the_queue() {
        within_a_minute(async {
            let (sender, queue) = channel(10);
            sender.put(1).await.unwrap();
            let join = queue.join();
            let timeout = tokio::time::timeout(Duration::from_secs(60), join).await;
            assert!(timeout.is_err(), "join returned while an item was never taken off the queue");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_still_marks_the_item_done() {
        within_a_minute(async {
            let (sender, queue) = channel(10);
            sender.put(1).await.unwrap();
            let (_, done) = queue.get().await.unwrap();
            let crashed = tokio::spawn(async move {
                let _done = done;
                panic!("the job hit a bug");
            });
            assert!(crashed.await.unwrap_err().is_panic());
            within_a_minute(queue.join()).await;
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_last_sender_wakes_every_waiting_worker_with_none() {
        within_a_minute(async {
            let (sender, queue) = channel::<u32>(10);
            let workers: Vec<_> = (0..3)
                .map(|_| {
                    let queue = queue.clone();
                    tokio::spawn(async move { queue.get().await.map(|(item, _)| item) })
                })
                .collect();
            tokio::time::sleep(Duration::from_secs(1)).await;
            drop(sender);
            for worker in workers {
                assert_eq!(within_a_minute(worker).await.unwrap(), None);
            }
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn items_already_queued_are_delivered_before_none() {
        within_a_minute(async {
            let (sender, queue) = channel(10);
            for item in 1..=3 {
                sender.put(item).await.unwrap();
            }
            drop(sender);
            let mut received = Vec::new();
            while let Some((item, _done)) = within_a_minute(queue.get()).await {
                received.push(item);
            }
            assert_eq!(received, [1, 2, 3]);
            within_a_minute(queue.join()).await;
        })
        .await;
    }
}
