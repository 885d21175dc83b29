//! Lesson 8's queue in every interleaving of its threads, up to a bound: two producers, two consumers, a
//! queue of one, and the close when the last sender is dropped. They run under `--cfg loom` only:
//! `cargo xtask explore 8`.

#![cfg(loom)]

use loom::thread;
use threads_loom::queue;

/// How many times loom may preempt a thread in one interleaving. Bugs of this kind need one or two: two
/// finds the lost wake-up of Break it 2 in a second or two; three takes some forty seconds, and finds nothing
/// more in these tests.
const PREEMPTIONS: usize = 2;

/// Runs `test` in every interleaving of its threads with at most [`PREEMPTIONS`] preemptions. `threads` says
/// who each of the test's threads is, in the order loom numbers them (`Id(0)` is the test's own thread): on
/// standard error, where `cargo xtask explore 8` reads it to tell the story of a failure.
fn every_interleaving(threads: &[&str], test: impl Fn() + Sync + Send + 'static) {
    eprintln!("loom threads: {}", threads.join("; "));
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(PREEMPTIONS);
    model.check(test);
}

#[test]
fn every_item_is_taken_once_and_every_thread_ends() {
    let threads = [
        "the test's own, a consumer in recv() that then joins the others",
        "producer 1, in send(1)",
        "producer 2, in send(2)",
        "the other consumer, in recv()",
    ];
    every_interleaving(&threads, || {
        let (sender, receiver) = queue::channel::<u32>(1);
        let second_sender = sender.clone();
        let second_receiver = receiver.clone();
        let producers = [
            thread::spawn(move || sender.send(1).expect("the queue has a receiver")),
            thread::spawn(move || second_sender.send(2).expect("the queue has a receiver")),
        ];
        // One consumer on a thread of its own, the other on this one.
        let consumer =
            thread::spawn(move || std::iter::from_fn(|| second_receiver.recv()).collect::<Vec<_>>());
        let mut taken: Vec<u32> = std::iter::from_fn(|| receiver.recv()).collect();
        for producer in producers {
            producer.join().expect("a producer does not panic");
        }
        taken.extend(consumer.join().expect("the consumer does not panic"));
        taken.sort_unstable();
        assert_eq!(taken, [1, 2], "every item taken exactly once");
    });
}

#[test]
fn a_send_that_sleeps_on_a_full_queue_fails_when_the_last_receiver_goes() {
    let threads = ["the test, dropping the receiver", "a producer, in send(2) on a full queue"];
    every_interleaving(&threads, || {
        let (sender, receiver) = queue::channel::<u32>(1);
        sender.send(1).expect("an empty queue has room");
        let waiting = thread::spawn(move || sender.send(2));
        drop(receiver);
        assert_eq!(waiting.join().expect("the sender does not panic"), Err(2));
    });
}
