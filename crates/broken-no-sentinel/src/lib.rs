//! Lesson 2: lesson 1's pipeline, broken in the three ways the Python lesson names.
//!
//! Every broken place is marked `BROKEN (Break it N)`, with why. Nothing here hangs a terminal: when the run
//! cannot make progress, the course's watchdog stops it and reports who waits on what.
//!
//! 1. No sentinel, and a sender kept alive: the workers wait forever for a message (`run`, `produce`).
//! 2. A queue of one (`--queue-size 1`): the producer waits for room whenever a job is already waiting.
//! 3. A worker that fails (`--fail-job N`, `--panic-job N`): the failure ends the worker (`work`).
//!
//! Fix them here, in this file: `cargo xtask check 2` says which breaks remain. Lesson 3 is one way to fix
//! them all: `cargo xtask diff 2 3`.
//!
//! The lesson text is `lessons/02-broken-no-sentinel.md`; run it with `cargo xtask lesson 2`.

use std::sync::Arc;

use lesson_support::{Failures, Harness, Job, JobError, Lesson, LessonOptions, Seconds, TaskLog, Watched};
use tokio::sync::Mutex;
use tokio::sync::mpsc::{self, Receiver, Sender};
use tokio::task::JoinHandle;

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: env!("CARGO_PKG_NAME"),
    about: env!("CARGO_PKG_DESCRIPTION"),
    heading: "Producer-Consumer with tokio::sync::mpsc, broken",
};

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "This lesson's experiments")]
pub struct Options {
    /// Which jobs fail (Break it 3).
    #[command(flatten)]
    pub failures: Failures,

    /// Put lesson 1's sentinels back (one shutdown message per worker), to see Break it 2 and 3 on their own.
    #[arg(long)]
    pub sentinels: bool,
}

impl LessonOptions for Options {
    fn prepare(&mut self, settings: &lesson_support::Settings) -> Result<(), String> {
        self.failures.prepare(settings)
    }
}

/// What travels through the queue: a job, or the sentinel that tells one worker to stop.
#[derive(Debug)]
pub enum Message {
    /// A job to process.
    Job(Job),
    /// The sentinel: no more jobs are coming, so the worker that reads this stops.
    Shutdown,
}

/// The receiving end of the queue, shared by every worker behind a lock (see lesson 1).
pub type SharedReceiver = Arc<Mutex<Receiver<Message>>>;

/// Runs the lesson: one producer, `--workers` workers, one queue of `--queue-size` between them.
pub async fn run(harness: Harness, options: Options) {
    let settings = harness.settings();
    let main = harness.task_log("Main");

    // The queue. Its capacity is the most jobs it holds before `send` makes the producer wait.
    let (sender, receiver) = mpsc::channel(settings.queue_capacity());
    let receiver: SharedReceiver = Arc::new(Mutex::new(receiver));

    // BROKEN (Break it 1): the producer gets a clone of the sender, and the original `sender` stays in this
    // function until its last line, long after the producer is done. Real code does this all the time: it
    // keeps a sender "to add more work later" (a retry, a second producer), or clones one into a task out of
    // habit, as `receiver.clone()` is cloned below. The channel closes only when *every* sender is gone, so as
    // long as this one lives, `recv()` can never return `None`: an idle worker waits for ever.
    let producer = tokio::spawn(produce(
        harness.clone(),
        harness.task_log("Producer"),
        sender.clone(),
        options.sentinels,
    ));
    let workers: Vec<JoinHandle<Result<(), JobError>>> = (1..=settings.workers)
        .map(|number| {
            let task = harness.task_log(format!("Worker-{number}"));
            tokio::spawn(work(task, receiver.clone(), options.failures.clone()))
        })
        .collect();

    producer.watched(&main, "the producer to finish").await.expect("the producer does not panic");
    for worker in workers {
        // BROKEN (Break it 3): a worker's result says whether it failed, but it is thrown away here. And
        // since the workers are awaited in order, a failure in Worker-3 is not even looked at until Worker-1
        // and Worker-2 have ended.
        let _ = worker.watched(&main, "the workers to finish, while it still holds a sender").await;
    }

    // Only a run that gets this far (with --sentinels) can count what nobody read.
    let unread = receiver.lock().await.len();
    if unread > 0 {
        main.say(format_args!("{unread} message(s) left in the queue, unread: a worker is missing"));
    }
    main.shut_down();
    // BROKEN (Break it 1): only here, at the very end, does the kept sender go: too late for the workers,
    // which `run` waited for above. (Rust would drop it here anyway; the line only makes it visible.)
    drop(sender);
}

/// The producer: makes `--jobs` jobs and puts each on the queue. It sends no sentinels, unless `--sentinels`
/// puts lesson 1's back.
async fn produce(harness: Harness, task: TaskLog, sender: Sender<Message>, send_sentinels: bool) {
    let settings = harness.settings();
    for job in harness.jobs() {
        // Making a job takes a little time, as fetching a page or reading a log line would.
        tokio::time::sleep(job.production_time).await;

        // Break it 2 needs no change in the code, only `--queue-size 1`: `send` then waits for room whenever a
        // job is already waiting, and the producer runs at the pace of the workers. The line below shows each
        // wait.
        if sender.capacity() == 0 {
            task.say("Queue is full: waiting for a worker to take a job");
        }
        task.produced(&job);
        sender
            .send(Message::Job(job))
            .watched(&task, "room in the queue")
            .await
            .expect("the queue's receiver lives as long as `run`");
        task.say(format_args!("Added job: {}", job.name()));
    }
    task.say(format_args!("Done — added {} jobs total", harness.jobs_made()));

    // BROKEN (Break it 1): the sentinels are gone. Nothing tells the workers that no more jobs are coming.
    // (`--sentinels` puts them back, to look at Break it 2 and 3 on their own.)
    if send_sentinels {
        for _ in 0..settings.workers {
            sender
                .send(Message::Shutdown)
                .watched(&task, "room in the queue")
                .await
                .expect("the queue's receiver lives as long as `run`");
        }
    }
    task.shut_down();
    // This `sender` is dropped here, but the one `run` kept is still alive, so the queue stays open.
}

/// Processes one job: a timer stands in for real work, and `--fail-job` or `--panic-job` make it fail.
async fn process(job: Job, failures: &Failures) -> Result<(), JobError> {
    tokio::time::sleep(job.processing_time).await;
    failures.strike(&job)
}

/// A worker: takes messages off the queue, one at a time, until it reads a sentinel or the queue closes.
async fn work(task: TaskLog, receiver: SharedReceiver, failures: Failures) -> Result<(), JobError> {
    loop {
        // Lock the shared receiver, wait for one message, unlock (see lesson 1).
        let message = async { receiver.lock().await.recv().await }
            .watched(&task, "the next message from the queue")
            .await;

        match message {
            Some(Message::Job(job)) => {
                // BROKEN (Break it 3): `?` sends a failed job's error up and out of this function, so one bad
                // job ends the whole worker, like an exception that nobody catches. The job is lost (nothing
                // records it), the pool has one worker fewer, and the error waits unread in the worker's
                // `JoinHandle`. A panic (`--panic-job`) does the same, by unwinding instead of returning.
                process(job, &failures).await?;
                task.processed(
                    &job,
                    format_args!("Processed: {} (took {:.2})", job.name(), Seconds(job.processing_time)),
                );
            }
            Some(Message::Shutdown) => {
                task.say("Shutting down");
                break;
            }
            // `None` would mean that every sender is gone. With `run` holding one, it never comes.
            None => {
                task.say("The queue is closed and empty: shutting down");
                break;
            }
        }
    }
    task.shut_down();
    Ok(())
}
