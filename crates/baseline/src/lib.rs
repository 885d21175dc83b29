//! Lesson 1: a producer, a bounded queue and a pool of workers that shut down on a sentinel.
//!
//! This is the Python lesson's program in tokio, piece by piece:
//!
//! | asyncio                          | tokio, in this file                                         |
//! |----------------------------------|-------------------------------------------------------------|
//! | `asyncio.Queue(maxsize=10)`      | `mpsc::channel(10)`: a [`Sender`] and a [`Receiver`]        |
//! | `await queue.put(job)`           | `sender.send(job).await`                                    |
//! | `await queue.get()`              | `receiver.recv().await`, behind a shared lock (see `work`)   |
//! | `None`, the sentinel             | [`Message::Shutdown`]                                       |
//! | `asyncio.create_task(worker())`  | `tokio::spawn(work(...))`                                   |
//! | `await producer_task`            | `producer.await`                                            |
//!
//! A few lines in every lesson are the course's instruments, from the `lesson-support` crate, not the pattern:
//! `harness` hands out the settings and the jobs; `me.say(...)` prints a line of the transcript with the time;
//! `me.wait_for(what, future)` awaits `future` and tells the watchdog meanwhile what this task waits for;
//! `me.produced(&job)` and `me.processed(&job)` keep the ledger that the summary reads; `me.shut_down()` says
//! that a task ended cleanly. Read past them: the pattern is everything else.
//!
//! The lesson text is `lessons/01-baseline.md`; run it with `cargo xtask lesson 1`.

use std::sync::Arc;

use lesson_support::{Harness, Job, Lesson, NoOptions, Participant, Seconds};
use tokio::sync::Mutex;
use tokio::sync::mpsc::{self, Receiver, Sender};
use tokio::task::JoinHandle;

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: "baseline",
    about: "Lesson 1: a producer, a bounded queue and a pool of workers that shut down on a sentinel.",
    heading: "Producer-Consumer with tokio::sync::mpsc",
};

/// What travels through the queue: a job, or the sentinel that tells one worker to stop.
///
/// Python puts `None` on the queue as its sentinel, so its queue holds "a job or None". Rust says the same
/// thing with an enum, and the compiler makes every worker handle both cases.
#[derive(Debug)]
pub enum Message {
    /// A job to process.
    Job(Job),
    /// The sentinel: no more jobs are coming, so the worker that reads this stops.
    Shutdown,
}

/// The receiving end of the queue, shared by every worker.
///
/// A tokio `mpsc` channel has many senders but one [`Receiver`]: "mpsc" means multi-producer,
/// single-consumer. Several workers can still share it by taking turns: the receiver lives behind a
/// [`Mutex`], the `Arc` lets every worker hold the same one, and a worker locks it only while it waits
/// for its next message.
pub type SharedReceiver = Arc<Mutex<Receiver<Message>>>;

/// Runs the lesson: one producer, `--workers` workers, one queue of `--queue-size` between them.
pub async fn run(harness: Harness, _options: NoOptions) {
    let settings = harness.settings();
    let main = harness.participant("Main");

    // The queue. Its capacity is the most jobs it holds before `send` makes the producer wait.
    let (sender, receiver) = mpsc::channel(settings.queue_capacity());
    let receiver: SharedReceiver = Arc::new(Mutex::new(receiver));

    // Start the producer and the workers. `tokio::spawn` starts a task that runs on its own, like
    // `asyncio.create_task`; the `JoinHandle` it returns is how we wait for the task to end.
    let producer = tokio::spawn(produce(harness.clone(), harness.participant("Producer"), sender));
    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let me = harness.participant(format!("Worker-{number}"));
            tokio::spawn(work(me, receiver.clone()))
        })
        .collect();

    // Wait for the producer, then for every worker, as the Python lesson does. A worker ends only after it
    // has read a sentinel, and the producer sends one per worker, so these waits end.
    main.wait_for("the producer to finish", producer)
        .await
        .expect("the producer does not panic");
    for worker in workers {
        main.wait_for("the workers to finish", worker)
            .await
            .expect("a worker does not panic");
    }
    main.shut_down();
}

/// The producer: makes `--jobs` jobs and puts each on the queue, then one sentinel per worker.
async fn produce(harness: Harness, me: Participant, sender: Sender<Message>) {
    let settings = harness.settings();
    // Jobs 1 to `--jobs`. (On the wall clock, Ctrl-C ends this loop early: see the README.)
    for job in harness.jobs() {
        // Making a job takes a little time, as fetching a page or reading a log line would.
        tokio::time::sleep(job.production_time).await;

        // `send` waits while the queue is full. That wait is backpressure: a producer faster than its workers
        // is slowed down to their pace instead of filling memory with jobs nobody has time for. asyncio's
        // `await queue.put(job)` waits the same way when the queue has reached `maxsize`.
        if sender.capacity() == 0 {
            me.say("Queue is full: waiting for a worker to take a job");
        }
        let name = job.name.clone();
        me.produced(&job);
        me.wait_for("room in the queue", sender.send(Message::Job(job)))
            .await
            .expect("the workers keep the queue open until they have read their sentinels");
        me.say(format!("Added job: {name}"));
    }
    me.say(format!("Done — added {} jobs total", harness.jobs_made()));

    // One sentinel per worker: each worker stops at the first one it reads, so every worker needs its own.
    for _ in 0..settings.workers {
        me.wait_for("room in the queue", sender.send(Message::Shutdown))
            .await
            .expect("the workers keep the queue open until they have read their sentinels");
    }
    me.shut_down();
    // `sender` is dropped here. Once every sender is gone, `recv()` returns `None`: the channel's own
    // sentinel, which this lesson does not need yet because the explicit ones came first.
}

/// A worker: takes messages off the queue, one at a time, until it reads a sentinel.
async fn work(me: Participant, receiver: SharedReceiver) {
    loop {
        // Lock the shared receiver, wait for one message, unlock. The lock guard is a temporary of this one
        // statement, so the lock is released as soon as the message arrives, and the other workers can
        // receive while this one processes. Had we held the guard across the processing below, the workers
        // would take turns instead of working at the same time.
        let message = me
            .wait_for("the next message from the queue", async {
                receiver.lock().await.recv().await
            })
            .await;

        match message {
            Some(Message::Job(job)) => {
                // Processing: a timer stands in for real work (a download, a database write).
                tokio::time::sleep(job.processing_time).await;
                me.say(format!(
                    "Processed: {} (took {:.2})",
                    job.name,
                    Seconds(job.processing_time)
                ));
                me.processed(&job);
            }
            Some(Message::Shutdown) => {
                me.say("Shutting down");
                break;
            }
            // `None`: every sender is gone and the queue is empty, so no message can ever come again. Here
            // the producer's sentinels always arrive first; lesson 3 makes this the way workers stop.
            None => {
                me.say("The queue is closed and empty: shutting down");
                break;
            }
        }
    }
    me.shut_down();
}
