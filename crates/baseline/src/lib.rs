//! Lesson 1: a producer, a bounded queue and a pool of workers that shut down on a sentinel.
//!
//! This is the Python lesson's program in tokio, piece by piece:
//!
//! | asyncio                          | tokio, in this file                                               |
//! |----------------------------------|-------------------------------------------------------------------|
//! | `asyncio.Queue(maxsize=10)`      | `let (sender, receiver) = mpsc::channel(10)`                      |
//! | `await queue.put(job)`           | `sender.send(Message::Job(job)).await`                            |
//! | `await queue.get()`              | `receiver.lock().await.recv().await`, the receiver shared (`work`) |
//! | `None`, the sentinel             | `Message::Shutdown`                                               |
//! | `asyncio.create_task(worker())`  | `tokio::spawn(work(...))`                                         |
//! | `await producer_task`            | `producer.await`                                                  |
//!
//! A few lines are the course's instruments, from the `lesson-support` crate, not the pattern. `harness`
//! hands out the settings, the jobs, and a log for each task. A task's log, `task`, prints the transcript's
//! lines with the time (`task.say(...)`), keeps the ledger, the course's record of every job, which the
//! summary reads (`task.produced(&job)`, `task.processed(&job, line)`), and says when the task ends cleanly
//! (`task.shut_down()`). On an `.await` that depends on another task, `.watched(&task, "what")` tells the
//! course's watchdog what the task waits for, so that a stuck run can say who waits on what. Read past them:
//! the pattern is everything else.
//!
//! The lesson text is `lessons/01-baseline.md`; run it with `cargo xtask lesson 1`.

use std::sync::Arc;

use lesson_support::{Harness, Job, Lesson, NoOptions, Seconds, TaskLog, Watched};
use tokio::sync::Mutex;
use tokio::sync::mpsc::{self, Receiver, Sender};
use tokio::task::JoinHandle;

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: env!("CARGO_PKG_NAME"),
    about: env!("CARGO_PKG_DESCRIPTION"),
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
///
/// There is no `#[tokio::main]`: the binary's `main` hands this function to `lesson_support::main`, which
/// builds the runtime (one thread, and the simulated clock unless `--real-time`) and runs it there.
pub async fn run(harness: Harness, _options: NoOptions) {
    let settings = harness.settings();
    let main = harness.task_log("Main");

    // The queue. Its capacity is the most jobs it holds before `send` makes the producer wait.
    // (`queue_capacity()` is `--queue-size`, with 0, "no limit" as in asyncio, turned into the largest
    // capacity tokio accepts.)
    let (sender, receiver) = mpsc::channel(settings.queue_capacity());
    let receiver: SharedReceiver = Arc::new(Mutex::new(receiver));

    // Start the producer and the workers. `tokio::spawn` starts a task that runs on its own, like
    // `asyncio.create_task`; the `JoinHandle` it returns is how we wait for the task to end. Each task gets
    // its log; a log dropped without `shut_down()` (its task ended by an error or a panic) says so itself.
    let producer = tokio::spawn(produce(harness.clone(), harness.task_log("Producer"), sender));
    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let task = harness.task_log(format!("Worker-{number}"));
            tokio::spawn(work(task, receiver.clone()))
        })
        .collect();

    // Wait for the producer, then for every worker, as the Python lesson does. A worker ends only after it
    // has read a sentinel, and the producer sends one per worker, so these waits end.
    producer.watched(&main, "the producer to finish").await.expect("the producer does not panic");
    for worker in workers {
        worker.watched(&main, "the workers to finish").await.expect("a worker does not panic");
    }
    main.shut_down();
}

/// The producer: makes `--jobs` jobs and puts each on the queue, then one sentinel per worker.
async fn produce(harness: Harness, task: TaskLog, sender: Sender<Message>) {
    let settings = harness.settings();
    // Jobs 1 to `--jobs`. (On the wall clock, Ctrl-C makes `jobs()` stop early: see the README.)
    for job in harness.jobs() {
        // Making a job takes a little time, as fetching a page or reading a log line would.
        tokio::time::sleep(job.production_time).await;

        // `send` waits while the queue is full. That wait is backpressure: a producer faster than its workers
        // is slowed down to their pace instead of filling memory with jobs nobody has time for. asyncio's
        // `await queue.put(job)` waits the same way when the queue has reached `maxsize`.
        if sender.capacity() == 0 {
            task.say("Queue is full: waiting for a worker to take a job");
        }
        task.produced(&job);
        sender
            .send(Message::Job(job))
            .watched(&task, "room in the queue")
            .await
            .expect("the workers keep the queue open until they have read their sentinels");
        // `format_args!` is `format!` without the `String`: the line is written out only if it is printed,
        // and with `--quiet` it is not.
        task.say(format_args!("Added job: {}", job.name()));
    }
    task.say(format_args!("Done — added {} jobs total", harness.jobs_made()));

    // One sentinel per worker: each worker stops at the first one it reads, so every worker needs its own.
    for _ in 0..settings.workers {
        sender
            .send(Message::Shutdown)
            .watched(&task, "room in the queue")
            .await
            .expect("the workers keep the queue open until they have read their sentinels");
    }
    task.shut_down();
    // `sender` is dropped here. Once every sender is gone, `recv()` returns `None`: the channel's own
    // sentinel, which this lesson does not need yet because the explicit ones came first.
}

/// A worker: takes messages off the queue, one at a time, until it reads a sentinel.
async fn work(task: TaskLog, receiver: SharedReceiver) {
    loop {
        // Lock the shared receiver, wait for one message, unlock. The lock guard is a temporary of this one
        // statement, so the lock is released as soon as the message arrives, and the other workers can
        // receive while this one processes. Had we held the guard across the processing below, the workers
        // would take turns instead of working at the same time.
        let message = async { receiver.lock().await.recv().await }
            .watched(&task, "the next message from the queue")
            .await;

        match message {
            Some(Message::Job(job)) => {
                // Processing: a timer stands in for real work (a download, a database write).
                tokio::time::sleep(job.processing_time).await;
                // `processed` prints the line and writes the job's end in the ledger, in one step, so that
                // what the transcript says and what the summary counts cannot disagree.
                task.processed(
                    &job,
                    format_args!("Processed: {} (took {:.2})", job.name(), Seconds(job.processing_time)),
                );
            }
            Some(Message::Shutdown) => {
                task.say("Shutting down");
                break;
            }
            // `None`: every sender is gone and the queue is empty, so no message can ever come again. Here
            // the producer's sentinels always arrive first; lesson 3 makes this the way workers stop.
            None => {
                task.say("The queue is closed and empty: shutting down");
                break;
            }
        }
    }
    task.shut_down();
}
