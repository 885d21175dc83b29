//! Lesson 8's queue in every interleaving of its threads, up to a bound: two producers, two consumers, a
//! queue of one, and the close when the last sender is dropped.

use loom::thread;
use threads_loom::queue;

/// How many times loom may preempt a thread in one interleaving. Bugs of this kind need one or two; three
/// finds them all in this test and keeps it under a minute.
const PREEMPTIONS: usize = 3;

/// Runs `test` in every interleaving of its threads with at most [`PREEMPTIONS`] preemptions.
fn every_interleaving(test: impl Fn() + Sync + Send + 'static) {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(PREEMPTIONS);
    model.check(test);
}

#[test]
fn every_item_is_taken_once_and_every_thread_ends() {
    every_interleaving(|| {
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
    every_interleaving(|| {
        let (sender, receiver) = queue::channel::<u32>(1);
        sender.send(1).expect("an empty queue has room");
        let waiting = thread::spawn(move || sender.send(2));
        drop(receiver);
        assert_eq!(waiting.join().expect("the sender does not panic"), Err(2));
    });
}
