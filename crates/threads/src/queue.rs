//! A bounded queue for threads, written by hand: lesson 4's queue without the priorities, on a lock and two
//! condition variables instead of two `Notify`s.
//!
//! | lesson 4, for tasks               | here, for threads                                               |
//! |-----------------------------------|-----------------------------------------------------------------|
//! | `std::sync::Mutex` around the map | `Mutex` around a `VecDeque`                                     |
//! | `Notify` "an item was added"      | `Condvar` `not_empty`                                           |
//! | `Notify` "room was made"          | `Condvar` `not_full`                                            |
//! | register, look, then `.await`     | look under the lock, then `wait`, which lets go of the lock and sleeps in one step |
//! | the last sender dropped: closed   | the same: every waiting `recv` is woken to see it               |
//!
//! A thread cannot be woken by a future: it sleeps on a condition variable, and another thread that changes
//! the queue wakes it with `notify_one` (one sleeper) or `notify_all` (every sleeper). `wait` takes the lock's
//! guard: it unlocks and sleeps as one step, and locks again before it returns, so no wake-up can slip in
//! between the look and the sleep. That is what lesson 4's queue had to build with `enable()`.
//!
//! A sleeper may also wake for no reason (a "spurious" wake-up), and another thread may take the item first:
//! so every `wait` is in a loop that looks again.
//!
//! `cargo xtask explore 8` runs this very file under loom, in every interleaving of its threads.

use std::collections::VecDeque;

use crate::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Makes a queue that holds up to `capacity` items, and returns its two ends.
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State { items: VecDeque::new(), senders: 1, receivers: 1 }),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
        capacity,
    });
    (Sender { shared: shared.clone() }, Receiver { shared })
}

/// What both ends share.
#[derive(Debug)]
struct Shared<T> {
    state: Mutex<State<T>>,
    /// Wakes a `recv` that sleeps on an empty queue; every one of them when the queue closes.
    not_empty: Condvar,
    /// Wakes a `send` that sleeps on a full queue; every one of them when no receiver is left.
    not_full: Condvar,
    capacity: usize,
}

/// The queue's contents, only ever touched under the lock.
#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    /// How many `Sender`s are alive; at zero the queue is closed.
    senders: usize,
    /// How many `Receiver`s are alive; at zero nobody can take an item, and `send` fails.
    receivers: usize,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No code panics while holding the lock, so a poisoned lock still holds a consistent queue.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The end that puts items on the queue. Clone it for more producers; when the last one is dropped, the queue
/// is closed.
#[derive(Debug)]
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// The end that takes items off the queue. Clone it for more consumers.
#[derive(Debug)]
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Puts `item` on the queue, sleeping while the queue is full. Gives the item back if no receiver is
    /// left to take it.
    pub fn send(&self, item: T) -> Result<(), T> {
        let mut state = self.shared.lock();
        // Sleep while full: `wait` unlocks, sleeps, and locks again before it returns; then look again.
        while state.items.len() >= self.shared.capacity && state.receivers > 0 {
            state = self.shared.not_full.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        if state.receivers == 0 {
            return Err(item);
        }
        state.items.push_back(item);
        drop(state);
        // One item: one sleeper can take it.
        self.shared.not_empty.notify_one();
        Ok(())
    }
}

impl<T> Receiver<T> {
    /// Takes the oldest item, sleeping while the queue is empty. Returns `None` once the queue is closed
    /// (every sender dropped) and empty.
    pub fn recv(&self) -> Option<T> {
        let mut state = self.shared.lock();
        loop {
            if let Some(item) = state.items.pop_front() {
                drop(state);
                // One place made: one sleeping sender can fill it.
                self.shared.not_full.notify_one();
                return Some(item);
            }
            if state.senders == 0 {
                return None;
            }
            state = self.shared.not_empty.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

// Written by hand, and counted: the queue closes when the last sender is dropped, whatever `T` is.
impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        Sender { shared: self.shared.clone() }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.lock().receivers += 1;
        Receiver { shared: self.shared.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.senders -= 1;
        if state.senders == 0 {
            drop(state);
            // The queue is closed: every sleeping `recv` must wake to see it, not just one.
            self.shared.not_empty.notify_all();
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.receivers -= 1;
        if state.receivers == 0 {
            drop(state);
            // Nobody can take an item any more: every sleeping `send` must wake to fail.
            self.shared.not_full.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    /// Runs `test` on a thread of its own, and fails if it has not ended within ten seconds: a broken queue
    /// leaves a thread asleep for ever, and the test must fail rather than hang. (The sleeping thread cannot
    /// be stopped; it ends with the test program.)
    fn within_ten_seconds(test: impl FnOnce() + Send + 'static) {
        let (ended, end) = mpsc::channel();
        std::thread::spawn(move || {
            test();
            let _ = ended.send(());
        });
        match end.recv_timeout(Duration::from_secs(10)) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("a thread is still asleep after ten seconds"),
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the test panicked"),
        }
    }

    #[test]
    fn first_in_first_out_then_none_once_closed() {
        within_ten_seconds(|| {
            let (sender, receiver) = channel(10);
            for item in 1..=3 {
                sender.send(item).unwrap();
            }
            drop(sender);
            let taken: Vec<i32> = std::iter::from_fn(|| receiver.recv()).collect();
            assert_eq!(taken, [1, 2, 3]);
        });
    }

    #[test]
    fn send_sleeps_while_full_and_wakes_when_room_is_made() {
        within_ten_seconds(|| {
            let (sender, receiver) = channel(1);
            sender.send(1).unwrap();
            std::thread::scope(|scope| {
                let second = scope.spawn(|| sender.send(2));
                std::thread::sleep(Duration::from_millis(50));
                assert!(!second.is_finished(), "send returned while the queue was full");
                assert_eq!(receiver.recv(), Some(1));
                second.join().unwrap().unwrap();
            });
            assert_eq!(receiver.recv(), Some(2));
        });
    }

    /// Three receivers asleep on an empty queue when it closes: every one wakes and returns `None`. (Whether
    /// they are all asleep by then is up to the operating system; loom tries every case, in
    /// `crates/threads-loom`.)
    #[test]
    fn closing_wakes_every_sleeping_receiver() {
        within_ten_seconds(|| {
            let (sender, receiver) = channel::<u32>(1);
            std::thread::scope(|scope| {
                let sleepers: Vec<_> = (0..3)
                    .map(|_| {
                        let receiver = receiver.clone();
                        scope.spawn(move || receiver.recv())
                    })
                    .collect();
                std::thread::sleep(Duration::from_millis(50));
                drop(sender);
                for sleeper in sleepers {
                    assert_eq!(sleeper.join().unwrap(), None);
                }
            });
        });
    }

    #[test]
    fn send_fails_once_every_receiver_is_gone() {
        within_ten_seconds(|| {
            let (sender, receiver) = channel(1);
            sender.send(1).unwrap();
            std::thread::scope(|scope| {
                let waiting = scope.spawn(|| sender.send(2));
                std::thread::sleep(Duration::from_millis(50));
                drop(receiver);
                assert_eq!(waiting.join().unwrap(), Err(2), "the item comes back");
            });
        });
    }
}
