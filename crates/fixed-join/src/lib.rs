//! Lesson 3: lesson 2's three breaks, fixed, each at the depth where it belongs.
//!
//! Every fix is marked `FIXED (Fix it N)`, with why. Compare with lesson 2: `cargo xtask diff 2 3`.
//!
//! 1. A shutdown that cannot be forgotten: the queue closes when its last sender is dropped (`run`).
//! 2. `join()`: wait until every job put on the queue is done, processed or failed (`queue`, `run`).
//! 3. One failure does not stop the pool: each job runs in a task of its own (`work`).
//!
//! `--batch` runs the Python lesson's bonus (`batch`): every job queued up front, `join()`, then the workers
//! stopped.
//!
//! The lesson text is `lessons/03-fixed-join.md`; run it with `cargo xtask lesson 3`.

pub mod batch;
pub mod queue;

use std::sync::Arc;

use lesson_support::{
    Failures, Harness, Job, JobError, Lesson, LessonOptions, Seconds, TaskLog, Watched, panic_message,
};
use tokio::task::JoinHandle;

use crate::queue::{Queue, QueueSender};

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: env!("CARGO_PKG_NAME"),
    about: env!("CARGO_PKG_DESCRIPTION"),
    heading: "Producer-Consumer with a joinable queue",
};

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "This lesson's experiments")]
pub struct Options {
    /// Which jobs fail: here a failure is reported, and the worker goes on.
    #[command(flatten)]
    pub failures: Failures,

    /// Run the Python lesson's bonus instead: every job on an unbounded queue up front, then `join()`.
    #[arg(long)]
    pub batch: bool,
}

impl LessonOptions for Options {
    fn prepare(&mut self, settings: &lesson_support::Settings) -> Result<(), String> {
        if self.batch && settings.is_sweep() {
            return Err(
                "the argument '--batch' cannot be used with a sweep: the batch has no queue size and \
                        no producer to compare"
                    .to_string(),
            );
        }
        self.failures.prepare(settings)
    }
}

/// Runs the lesson: one producer, `--workers` workers, one queue of `--queue-size` between them.
pub async fn run(harness: Harness, options: Options) {
    if options.batch {
        return batch::run(harness, options).await;
    }
    let settings = harness.settings();
    let main = harness.task_log("Main");
    let failures = Arc::new(options.failures);

    // The queue. It holds jobs, not messages: with no sentinel to send, there is nothing else to hold.
    let (sender, queue) = queue::channel(settings.queue_capacity());

    // FIXED (Fix it 1): the sender is *moved* into the producer, and no copy stays behind in this function.
    // When the producer returns, the last sender is dropped, the queue closes, and every worker's `get()`
    // returns `None` once the queue is empty. Shutdown can no longer be forgotten, or miscounted: it happens
    // when the last sender goes out of scope, for any number of workers.
    let producer = tokio::spawn(produce(harness.clone(), harness.task_log("Producer"), sender));
    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let task = harness.task_log(format!("Worker-{number}"));
            tokio::spawn(work(task, queue.clone(), failures.clone()))
        })
        .collect();

    producer.watched(&main, "the producer to finish").await.expect("the producer does not panic");

    // FIXED (Fix it 2): `join()` returns when every job put on the queue is done, processed or failed.
    queue.join().watched(&main, "every job to be done (queue.join())").await;
    main.say("Every job is done: queue.join() returned");

    for worker in workers {
        // FIXED (Fix it 3): a worker's result is looked at. A worker contains its jobs' failures, so it
        // should only ever end by shutting down; if it did not, say so.
        if let Err(crash) = worker.watched(&main, "the workers to finish").await {
            main.say(format_args!("!! A worker crashed: {crash}"));
        }
    }
    main.shut_down();
}

/// The producer: makes `--jobs` jobs and puts each on the queue, then returns, which closes the queue.
async fn produce(harness: Harness, task: TaskLog, sender: QueueSender<Job>) {
    for job in harness.jobs() {
        // Making a job takes a little time, as fetching a page or reading a log line would.
        tokio::time::sleep(job.production_time).await;

        // `put` waits while the queue is full: backpressure, as in lesson 1.
        if sender.is_full() {
            task.say("Queue is full: waiting for a worker to take a job");
        }
        task.produced(&job);
        sender
            .put(job)
            .watched(&task, "room in the queue")
            .await
            .expect("the queue's receiver lives as long as `run`");
        task.say(format_args!("Added job: {}", job.name()));
    }
    task.say(format_args!("Done — added {} jobs total", harness.jobs_made()));
    task.shut_down();
    // FIXED (Fix it 1): `sender`, the only one, is dropped here. That closes the queue: the sentinel is
    // the end of this function, and no one can forget to send it.
}

/// Processes one job: a timer stands in for real work, and `--fail-job` or `--panic-job` make it fail.
async fn process(job: Job, failures: Arc<Failures>) -> Result<(), JobError> {
    tokio::time::sleep(job.processing_time).await;
    failures.strike(&job)
}

/// A worker: takes jobs off the queue until it is closed and empty, and survives every job's failure.
pub(crate) async fn work(task: TaskLog, queue: Queue<Job>, failures: Arc<Failures>) {
    // FIXED (Fix it 1): no sentinel to look for. `get()` returns `None` once the queue is closed and empty.
    while let Some((job, done)) = queue.get().watched(&task, "the next job from the queue").await {
        // FIXED (Fix it 3): the job runs in a task of its own, and the worker waits for that task. An error
        // comes back as a value; a panic ends only the job's task and comes back as a `JoinError`. Either
        // way the worker reports the failure and goes on with the next job: Python's `try/except` around
        // the job, with panics caught too.
        let outcome = tokio::spawn(process(job, failures.clone())).await;
        match outcome {
            Ok(Ok(())) => task.processed(
                &job,
                format_args!("Processed: {} (took {:.2})", job.name(), Seconds(job.processing_time)),
            ),
            Ok(Err(error)) => {
                task.failed(&job, format_args!("Failed: {} with an error: {error}", job.name()))
            }
            Err(crash) => {
                let reason = match crash.try_into_panic() {
                    Ok(payload) => panic_message(payload),
                    Err(crash) => crash.to_string(),
                };
                task.failed(&job, format_args!("Failed: {} with a panic: {reason}", job.name()));
            }
        }
        // FIXED (Fix it 2): the job is marked done when `done` is dropped, here at the end of the loop body,
        // whatever happened above. Python's worker calls `task_done()` only after a success, so one failure
        // makes its `join()` wait for ever; a receipt that is dropped cannot be skipped.
        drop(done);
    }
    task.say("Queue closed and empty: shutting down");
    task.shut_down();
}
