//! Lesson 4: lesson 3's pipeline with a priority queue: high-priority jobs overtake the others.
//!
//! What is new is marked `PRIORITY`: the jobs' priorities (`Priority`, `produce`), the queue that orders
//! them (`queue`), and the time each job waited in the queue, reported by priority at the end (`report`).
//! The shutdown, `join()` and the failure handling are lesson 3's, unchanged: `cargo xtask diff 3 4`.
//!
//! The lesson text is `lessons/04-priority.md`; run it with `cargo xtask lesson 4`.

pub mod queue;
pub mod report;

use std::num::NonZeroU64;
use std::sync::Arc;

use lesson_support::settings::whole_number;
use lesson_support::{
    Failures, Harness, Job, JobError, Lesson, LessonOptions, Seconds, Settings, Slot, TaskLog, Watched,
    panic_message,
};
use rand::RngExt;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::queue::{Prioritized, Queue, QueueSender};
use crate::report::WaitsByPriority;

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: env!("CARGO_PKG_NAME"),
    about: env!("CARGO_PKG_DESCRIPTION"),
    heading: "Producer-Consumer with a priority queue",
};

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "This lesson's experiments")]
pub struct Options {
    /// Which jobs fail: reported, and the worker goes on (lesson 3).
    #[command(flatten)]
    pub failures: Failures,

    /// The share of jobs that are high priority, in percent.
    #[arg(long, value_name = "PERCENT", default_value_t = 20, allow_hyphen_values = true,
          value_parser = whole_number(0u8, 100))]
    pub high_percent: u8,

    /// The share of jobs that are low priority, in percent; the rest are normal.
    #[arg(long, value_name = "PERCENT", default_value_t = 30, allow_hyphen_values = true,
          value_parser = whole_number(0u8, 100))]
    pub low_percent: u8,

    /// Against starvation: every K-th job taken is the oldest one waiting, whatever its priority.
    #[arg(long, value_name = "K", allow_hyphen_values = true, value_parser = whole_number(1u64, 1_000))]
    pub oldest_every: Option<u64>,
}

impl LessonOptions for Options {
    fn prepare(&mut self, settings: &Settings) -> Result<(), String> {
        if u16::from(self.high_percent) + u16::from(self.low_percent) > 100 {
            return Err(format!(
                "invalid value '{}' for '--low-percent <PERCENT>': with --high-percent {}, expected at most {}",
                self.low_percent,
                self.high_percent,
                100 - self.high_percent
            ));
        }
        self.failures.prepare(settings)
    }
}

/// PRIORITY: how urgent a job is. The order of the variants is the order of priority: `High` is the
/// greatest, so it comes out of the queue first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Done last.
    Low,
    /// Most jobs.
    Normal,
    /// Done first.
    High,
}

impl Priority {
    /// Job `number`'s priority, drawn from the seed: the same job has the same priority in every run.
    pub fn of(harness: &Harness, options: &Options, number: usize) -> Priority {
        let percent: u8 = harness.workload().random_at(number, Slot::Priority).random_range(0..100);
        if percent < options.high_percent {
            Priority::High
        } else if percent < options.high_percent + options.low_percent {
            Priority::Low
        } else {
            Priority::Normal
        }
    }

    /// The priority's name in the transcript.
    pub fn name(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }
}

/// PRIORITY: a job on its way through the queue, with its priority and the time it was put there, to
/// measure its wait.
#[derive(Debug, Clone, Copy)]
pub struct QueuedJob {
    /// The job.
    pub job: Job,
    /// How urgent it is.
    pub priority: Priority,
    /// When the producer put it on the queue.
    pub queued_at: Instant,
}

/// PRIORITY: the queue orders jobs by this.
impl Prioritized for QueuedJob {
    type Priority = Priority;

    fn priority(&self) -> Priority {
        self.priority
    }
}

/// Runs the lesson: one producer, `--workers` workers, one priority queue of `--queue-size` between them.
pub async fn run(harness: Harness, options: Options) {
    let settings = harness.settings();
    let main = harness.task_log("Main");
    let failures = Arc::new(options.failures.clone());
    let waits = Arc::new(WaitsByPriority::default());

    // PRIORITY: the queue orders jobs by priority, and by arrival within a priority.
    let (sender, queue) =
        queue::channel(settings.queue_capacity(), options.oldest_every.and_then(NonZeroU64::new));

    // Kept (Fix it 1): the sender is *moved* into the producer, and no copy stays behind in this function.
    // When the producer returns, the last sender is dropped, the queue closes, and every worker's `get()`
    // returns `None` once the queue is empty. Shutdown can no longer be forgotten, or miscounted: it happens
    // when the last sender goes out of scope, for any number of workers.
    let producer = tokio::spawn(produce(harness.clone(), harness.task_log("Producer"), sender, options));
    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let task = harness.task_log(format!("Worker-{number}"));
            tokio::spawn(work(task, queue.clone(), failures.clone(), waits.clone()))
        })
        .collect();

    producer.watched(&main, "the producer to finish").await.expect("the producer does not panic");

    // Kept (Fix it 2): `join()` returns when every job put on the queue is done, processed or failed.
    queue.join().watched(&main, "every job to be done (queue.join())").await;
    main.say("Every job is done: queue.join() returned");

    for worker in workers {
        // Kept (Fix it 3): a worker's result is looked at. A worker contains its jobs' failures, so it
        // should only ever end by shutting down; if it did not, say so.
        if let Err(crash) = worker.watched(&main, "the workers to finish").await {
            main.say(format_args!("!! A worker crashed: {crash}"));
        }
    }
    // PRIORITY: the table of waits, by priority.
    for line in waits.table() {
        harness.note(line);
    }
    main.shut_down();
}

/// The producer: makes `--jobs` jobs, each with its priority, and puts each on the queue, then returns,
/// which closes the queue.
async fn produce(harness: Harness, task: TaskLog, sender: QueueSender<QueuedJob>, options: Options) {
    for job in harness.jobs() {
        // Making a job takes a little time, as fetching a page or reading a log line would.
        tokio::time::sleep(job.production_time).await;

        // PRIORITY: each job gets its priority from the seed, so that every run has the same mix.
        let priority = Priority::of(&harness, &options, job.number);

        // `put` waits while the queue is full: backpressure, as in lesson 1.
        if sender.is_full() {
            task.say("Queue is full: waiting for a worker to take a job");
        }
        task.produced(&job);
        let queued = QueuedJob { job, priority, queued_at: Instant::now() };
        sender
            .put(queued)
            .watched(&task, "room in the queue")
            .await
            .expect("the queue's receiver lives as long as `run`");
        task.say(format_args!("Added job: {} [{}]", job.name(), priority.name()));
    }
    task.say(format_args!("Done — added {} jobs total", harness.jobs_made()));
    task.shut_down();
    // Kept (Fix it 1): `sender`, the only one, is dropped here. That closes the queue: the sentinel is
    // the end of this function, and no one can forget to send it.
}

/// Processes one job: a timer stands in for real work, and `--fail-job` or `--panic-job` make it fail.
async fn process(job: Job, failures: Arc<Failures>) -> Result<(), JobError> {
    tokio::time::sleep(job.processing_time).await;
    failures.strike(&job)
}

/// A worker: takes the most urgent job off the queue until it is closed and empty, and survives every job's
/// failure.
async fn work(task: TaskLog, queue: Queue<QueuedJob>, failures: Arc<Failures>, waits: Arc<WaitsByPriority>) {
    // Kept (Fix it 1): no sentinel to look for. `get()` returns `None` once the queue is closed and empty.
    while let Some((queued, done)) = queue.get().watched(&task, "the next job from the queue").await {
        let QueuedJob { job, priority, queued_at } = queued;
        // PRIORITY: how long the job waited in the queue, the number that priority changes.
        let waited = queued_at.elapsed();
        waits.record(priority, waited);
        let (name, priority) = (job.name(), priority.name());

        // Kept (Fix it 3): the job runs in a task of its own, and the worker waits for that task. An error
        // comes back as a value; a panic ends only the job's task and comes back as a `JoinError`. Either
        // way the worker reports the failure and goes on with the next job: Python's `try/except` around
        // the job, with panics caught too.
        let outcome = tokio::spawn(process(job, failures.clone())).await;
        match outcome {
            Ok(Ok(())) => task.processed(
                &job,
                format_args!(
                    "Processed: {name} [{priority}] (took {:.2}, waited {:.2} in the queue)",
                    Seconds(job.processing_time),
                    Seconds(waited)
                ),
            ),
            Ok(Err(error)) => {
                task.failed(&job, format_args!("Failed: {name} [{priority}] with an error: {error}"));
            }
            Err(crash) => {
                let reason = match crash.try_into_panic() {
                    Ok(payload) => panic_message(payload),
                    Err(crash) => crash.to_string(),
                };
                task.failed(&job, format_args!("Failed: {name} [{priority}] with a panic: {reason}"));
            }
        }
        // Kept (Fix it 2): the job is marked done when `done` is dropped, here at the end of the loop body,
        // whatever happened above. Python's worker calls `task_done()` only after a success, so one failure
        // makes its `join()` wait for ever; a receipt that is dropped cannot be skipped.
        drop(done);
    }
    task.say("Queue closed and empty: shutting down");
    task.shut_down();
}
