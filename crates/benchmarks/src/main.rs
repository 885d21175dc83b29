//! What the lessons' own queues cost, against a bare `tokio::sync::mpsc` channel and against `async-channel`,
//! the well-kept many-producer many-consumer channel that tokio's maintainers point learners to: the same
//! producer, the same consumers, the same number of items, and no work per item, so that only the queue is
//! measured.
//!
//! `cargo xtask bench` runs it (in release mode) and reads its output: one line per queue, its name and the
//! best of a few runs in seconds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, mpsc};

/// How many items go through each queue per run.
const ITEMS: usize = 200_000;
/// How many consumers share each queue.
const CONSUMERS: usize = 4;
/// How many items each queue holds.
const CAPACITY: usize = 64;
/// Runs per queue; the best is kept, the least disturbed by the rest of the machine.
const RUNS: usize = 5;

fn main() {
    println!("bare-mpsc {:.6}", best(bare_mpsc).as_secs_f64());
    println!("async-channel {:.6}", best(async_channel).as_secs_f64());
    println!("joinable-queue {:.6}", best(joinable_queue).as_secs_f64());
    println!("priority-queue {:.6}", best(priority_queue).as_secs_f64());
}

/// The best wall time of `RUNS` runs of `run`, each on a fresh runtime like the lessons' (one thread).
fn best<F: Future<Output = ()>>(run: fn() -> F) -> Duration {
    (0..RUNS)
        .map(|_| {
            let runtime = lesson_support::clock::runtime(true);
            let started = Instant::now();
            runtime.block_on(run());
            started.elapsed()
        })
        .min()
        .expect("at least one run")
}

/// A bare channel, its receiver shared behind a lock as in lesson 1.
async fn bare_mpsc() {
    let (sender, receiver) = mpsc::channel::<usize>(CAPACITY);
    let receiver = Arc::new(Mutex::new(receiver));
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let receiver = receiver.clone();
            tokio::spawn(async move { while receiver.lock().await.recv().await.is_some() {} })
        })
        .collect();
    for item in 0..ITEMS {
        sender.send(item).await.expect("the consumers are alive");
    }
    drop(sender);
    for consumer in consumers {
        consumer.await.expect("a consumer does not panic");
    }
}

/// `async-channel`: its receiver can be cloned, so the consumers share it without a lock.
async fn async_channel() {
    let (sender, receiver) = async_channel::bounded::<usize>(CAPACITY);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let receiver = receiver.clone();
            tokio::spawn(async move { while receiver.recv().await.is_ok() {} })
        })
        .collect();
    drop(receiver);
    for item in 0..ITEMS {
        sender.send(item).await.expect("the consumers are alive");
    }
    drop(sender);
    for consumer in consumers {
        consumer.await.expect("a consumer does not panic");
    }
}

/// Lesson 3's joinable queue: a count of unfinished items and a receipt per item on top of the channel.
async fn joinable_queue() {
    let (sender, queue) = fixed_join::queue::channel::<usize>(CAPACITY);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move { while let Some((_item, _done)) = queue.get().await {} })
        })
        .collect();
    for item in 0..ITEMS {
        sender.put(item).await.expect("the consumers are alive");
    }
    drop(sender);
    for consumer in consumers {
        consumer.await.expect("a consumer does not panic");
    }
    queue.join().await;
}

/// Lesson 4's priority queue, with three priorities in turn.
async fn priority_queue() {
    let (sender, queue) = priority::queue::channel::<(u8, usize)>(CAPACITY, None);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move { while let Some((_item, _done)) = queue.get().await {} })
        })
        .collect();
    for item in 0..ITEMS {
        sender.put(((item % 3) as u8, item)).await.expect("the consumers are alive");
    }
    drop(sender);
    for consumer in consumers {
        consumer.await.expect("a consumer does not panic");
    }
    queue.join().await;
}
