//! Lesson 3: lesson 2's three breaks, fixed, each at the depth where it belongs.
//!
//! Every fix is marked `FIXED (Fix it N)`, with why. Compare with lesson 2: `cargo xtask diff 2 3`.
//!
//! 1. A shutdown that cannot be forgotten: the queue closes when its last sender is dropped (`run`).
//! 2. `join()`: wait until every job put on the queue is done, processed or failed (`queue`, `run`).
//! 3. One failure does not stop the pool: each job runs in a task of its own (`work`).
//!
//! `--batch` runs the Python lesson's bonus: every job queued up front, `join()`, then the workers stopped.
//!
//! The lesson text is `lessons/03-fixed-join.md`; run it with `cargo xtask lesson 3`.

pub mod queue;

use std::sync::Arc;

use lesson_support::{
    Failures, Harness, Job, JobError, Lesson, LessonOptions, Participant, Seconds, panic_message,
};
use tokio::task::JoinHandle;

use crate::queue::{Queue, QueueSender};

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: "fixed-join",
    about: "Lesson 3: the fixes: a shutdown that cannot be forgotten, join() for all work done, failures contained.",
    heading: "Producer-Consumer with a joinable queue",
};

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Options {
    /// Which jobs fail: here a failure is reported, and the worker goes on.
    #[command(flatten)]
    pub failures: Failures,

    /// Run the Python lesson's bonus instead: every job on an unbounded queue up front, then `join()`.
    #[arg(long, help_heading = "This lesson's experiments")]
    pub batch: bool,
}

impl LessonOptions for Options {
    fn check(&self, settings: &lesson_support::Settings) -> Result<(), String> {
        self.failures.check(settings)
    }
}

/// Runs the lesson: one producer, `--workers` workers, one queue of `--queue-size` between them.
pub async fn run(harness: Harness, options: Options) {
    if options.batch {
        return run_batch(harness, options).await;
    }
    let settings = harness.settings();
    let main = harness.participant("Main");
    let failures = Arc::new(options.failures);

    // The queue. It holds jobs, not messages: with no sentinel to send, there is nothing else to hold.
    let (sender, queue) = queue::channel(settings.queue_capacity());

    // FIXED (Fix it 1): the sender is *moved* into the producer, and no copy stays behind in this function.
    // When the producer returns, the last sender is dropped, the queue closes, and every worker's `get()`
    // returns `None` once the queue is empty. Shutdown can no longer be forgotten, or miscounted: it happens
    // when the last sender goes out of scope, for any number of workers.
    let producer = tokio::spawn(produce(harness.clone(), harness.participant("Producer"), sender));
    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let me = harness.participant(format!("Worker-{number}"));
            tokio::spawn(work(me, queue.clone(), failures.clone()))
        })
        .collect();

    main.wait_for("the producer to finish", producer)
        .await
        .expect("the producer does not panic");

    // FIXED (Fix it 2): `join()` returns when every job put on the queue is done, processed or failed. Here
    // it is a checkpoint before the workers shut down; in `run_batch` it is the only way to know.
    main.wait_for("every job to be done (queue.join())", queue.join())
        .await;
    main.say("Every job is done: queue.join() returned");

    for worker in workers {
        // FIXED (Fix it 3): a worker's result is looked at. A worker contains its jobs' failures, so it
        // should only ever end by shutting down; if it did not, say so.
        if let Err(crash) = main.wait_for("the workers to finish", worker).await {
            main.say(format!("!! A worker crashed: {crash}"));
        }
    }
    main.shut_down();
}

/// The producer: makes `--jobs` jobs and puts each on the queue, then returns, which closes the queue.
async fn produce(harness: Harness, me: Participant, sender: QueueSender<Job>) {
    for job in harness.jobs() {
        // Making a job takes a little time, as fetching a page or reading a log line would.
        tokio::time::sleep(job.production_time).await;

        // `put` waits while the queue is full: backpressure, as in lesson 1.
        if sender.is_full() {
            me.say("Queue is full: waiting for a worker to take a job");
        }
        let name = job.name.clone();
        me.produced(&job);
        me.wait_for("room in the queue", sender.put(job))
            .await
            .expect("the workers keep the queue open until it is closed and empty");
        me.say(format!("Added job: {name}"));
    }
    me.say(format!("Done — added {} jobs total", harness.jobs_made()));
    me.shut_down();
    // FIXED (Fix it 1): `sender`, the only one, is dropped here. That closes the queue: the sentinel is
    // the end of this function, and no one can forget to send it.
}

/// Processes one job: a timer stands in for real work, and `--fail-job` or `--panic-job` make it fail.
async fn process(job: Job, failures: Arc<Failures>) -> Result<(), JobError> {
    tokio::time::sleep(job.processing_time).await;
    failures.strike(&job)
}

/// A worker: takes jobs off the queue until it is closed and empty, and survives every job's failure.
async fn work(me: Participant, queue: Queue<Job>, failures: Arc<Failures>) {
    // FIXED (Fix it 1): no sentinel to look for. `get()` returns `None` once the queue is closed and empty.
    while let Some((job, done)) = me.wait_for("the next job from the queue", queue.get()).await {
        // FIXED (Fix it 3): the job runs in a task of its own, and the worker waits for that task. An error
        // comes back as a value; a panic ends only the job's task and comes back as a `JoinError`. Either
        // way the worker reports the failure and goes on with the next job: Python's `try/except` around
        // the job, with panics caught too.
        let outcome = tokio::spawn(process(job.clone(), failures.clone())).await;
        match outcome {
            Ok(Ok(())) => {
                me.say(format!(
                    "Processed: {} (took {:.2})",
                    job.name,
                    Seconds(job.processing_time)
                ));
                me.processed(&job);
            }
            Ok(Err(error)) => {
                me.say(format!("Failed: {} with an error: {error}", job.name));
                me.failed(&job);
            }
            Err(crash) => {
                let reason = match crash.try_into_panic() {
                    Ok(payload) => panic_message(payload),
                    Err(crash) => crash.to_string(),
                };
                me.say(format!("Failed: {} with a panic: {reason}", job.name));
                me.failed(&job);
            }
        }
        // FIXED (Fix it 2): the job is marked done when `done` is dropped, here at the end of the loop body,
        // whatever happened above. Python's worker calls `task_done()` only after a success, so one failure
        // makes its `join()` wait for ever; a receipt that is dropped cannot be skipped.
        drop(done);
    }
    me.say("Queue closed and empty: shutting down");
    me.shut_down();
}

/// The Python lesson's bonus: every job goes on an unbounded queue up front, the workers process them,
/// `join()` waits until all are done, and then the workers are stopped.
async fn run_batch(harness: Harness, options: Options) {
    let settings = harness.settings();
    let main = harness.participant("Main");
    let failures = Arc::new(options.failures);
    let (sender, queue) = queue::channel(tokio::sync::Semaphore::MAX_PERMITS);

    // Everything is queued before any worker starts, so there is no producer task.
    for mut job in harness.jobs() {
        job.name = format!("batch_item_{}", job.number);
        main.produced(&job);
        sender
            .put(job)
            .await
            .expect("the queue is open: `queue` is right here");
    }
    main.say(format!(
        "Queued {} jobs up front, on a queue with no limit (--batch ignores --queue-size)",
        settings.jobs
    ));

    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let me = harness.participant(format!("Worker-{number}"));
            tokio::spawn(work(me, queue.clone(), failures.clone()))
        })
        .collect();

    // Here the sender is kept on purpose: the workers stay up, waiting for more, as a service's workers
    // would. Lesson 2 did the same by accident. `join()` is how we learn that the batch is done.
    main.wait_for("every job to be done (queue.join())", queue.join())
        .await;
    main.say("Every job is done: queue.join() returned; stopping the workers");

    // Python cancels its idle workers here. tokio could too (`JoinHandle::abort`), but closing the queue
    // is gentler: each worker leaves its loop and shuts down by itself.
    drop(sender);
    for worker in workers {
        if let Err(crash) = main.wait_for("the workers to finish", worker).await {
            main.say(format!("!! A worker crashed: {crash}"));
        }
    }
    main.shut_down();
}
