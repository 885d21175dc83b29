//! Lesson 4: lesson 3's pipeline with a priority queue: high-priority jobs overtake the others.
//!
//! What is new is marked `PRIORITY`: the jobs' priorities (`Priority`, `produce`), the queue that orders
//! them (`priority_queue`), and the time each job waited in the queue, reported by priority at the end.
//! The shutdown, `join()` and the failure handling are lesson 3's, unchanged.
//!
//! The lesson text is `lessons/04-priority.md`; run it with `cargo xtask lesson 4`.

pub mod priority_queue;

use std::collections::BTreeMap;
use std::num::NonZeroU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lesson_support::settings::whole_number;
use lesson_support::{
    Failures, Harness, Job, JobError, Lesson, LessonOptions, Participant, Seconds, Settings, Slot,
    panic_message,
};
use rand::RngExt;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::priority_queue::{PriorityQueue, PrioritySender};

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: "priority",
    about: "Lesson 4: an async bounded priority queue: high priority first, first in first out within a priority.",
    heading: "Producer-Consumer with a priority queue",
};

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Options {
    /// Which jobs fail: reported, and the worker goes on (lesson 3).
    #[command(flatten)]
    pub failures: Failures,

    /// The share of jobs that are high priority, in percent.
    #[arg(long, value_name = "PERCENT", default_value_t = 20, allow_hyphen_values = true, value_parser = whole_number(0u8, 100),
          help_heading = "This lesson's experiments")]
    pub high_percent: u8,

    /// The share of jobs that are low priority, in percent; the rest are normal.
    #[arg(long, value_name = "PERCENT", default_value_t = 30, allow_hyphen_values = true, value_parser = whole_number(0u8, 100),
          help_heading = "This lesson's experiments")]
    pub low_percent: u8,

    /// Against starvation: every K-th job taken is the oldest one waiting, whatever its priority.
    #[arg(long, value_name = "K", allow_hyphen_values = true, value_parser = whole_number(1u64, 1_000), help_heading = "This lesson's experiments")]
    pub oldest_every: Option<u64>,
}

impl LessonOptions for Options {
    fn check(&self, settings: &Settings) -> Result<(), String> {
        if u16::from(self.high_percent) + u16::from(self.low_percent) > 100 {
            return Err(format!(
                "invalid value '{}' for '--low-percent <PERCENT>': with --high-percent {}, expected at most {}",
                self.low_percent,
                self.high_percent,
                100 - self.high_percent
            ));
        }
        self.failures.check(settings)
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
        let percent: u8 = harness
            .workload()
            .random_at(number, Slot::Priority)
            .random_range(0..100);
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

/// A job on its way through the queue, with the time it was put there, to measure its wait.
#[derive(Debug)]
pub struct QueuedJob {
    /// The job.
    pub job: Job,
    /// When the producer put it on the queue.
    pub queued_at: Instant,
}

/// PRIORITY: how long the jobs of each priority waited in the queue.
#[derive(Debug, Default)]
pub struct Waits {
    by_priority: Mutex<BTreeMap<Priority, Vec<Duration>>>,
}

impl Waits {
    /// Notes that a job of `priority` waited `waited` in the queue.
    pub fn record(&self, priority: Priority, waited: Duration) {
        let mut by_priority = self
            .by_priority
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        by_priority.entry(priority).or_default().push(waited);
    }

    /// The table printed at the end of the run: for each priority, the jobs, the mean and the longest wait.
    pub fn table(&self) -> Vec<String> {
        let by_priority = self
            .by_priority
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut lines = vec!["Time in the queue, by priority:".to_string()];
        for (priority, waits) in by_priority.iter().rev() {
            let total: Duration = waits.iter().sum();
            let longest = waits.iter().max().copied().unwrap_or_default();
            lines.push(format!(
                "  {:<7} {:>3} jobs   mean {:>8}   longest {:>8}",
                priority.name(),
                waits.len(),
                Seconds(total / waits.len() as u32),
                Seconds(longest)
            ));
        }
        lines
    }
}

/// Runs the lesson: one producer, `--workers` workers, one priority queue of `--queue-size` between them.
pub async fn run(harness: Harness, options: Options) {
    let settings = harness.settings();
    let main = harness.participant("Main");
    let failures = Arc::new(options.failures.clone());
    let waits = Arc::new(Waits::default());

    // PRIORITY: the queue orders jobs by priority, and by arrival within a priority.
    let (sender, queue) = priority_queue::channel(
        settings.queue_capacity(),
        options.oldest_every.and_then(NonZeroU64::new),
    );

    // As in lesson 3: the only sender moves into the producer, so the queue closes when the producer returns.
    let producer = tokio::spawn(produce(
        harness.clone(),
        harness.participant("Producer"),
        sender,
        options,
    ));
    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let me = harness.participant(format!("Worker-{number}"));
            tokio::spawn(work(me, queue.clone(), failures.clone(), waits.clone()))
        })
        .collect();

    main.wait_for("the producer to finish", producer)
        .await
        .expect("the producer does not panic");
    main.wait_for("every job to be done (queue.join())", queue.join())
        .await;
    main.say("Every job is done: queue.join() returned");
    for worker in workers {
        if let Err(crash) = main.wait_for("the workers to finish", worker).await {
            main.say(format!("!! A worker crashed: {crash}"));
        }
    }
    for line in waits.table() {
        harness.note(&line);
    }
    main.shut_down();
}

/// The producer: makes `--jobs` jobs, each with its priority, and puts each on the queue.
async fn produce(
    harness: Harness,
    me: Participant,
    sender: PrioritySender<Priority, QueuedJob>,
    options: Options,
) {
    for job in harness.jobs() {
        tokio::time::sleep(job.production_time).await;

        // PRIORITY: each job gets its priority from the seed, so that every run has the same mix.
        let priority = Priority::of(&harness, &options, job.number);
        if sender.is_full() {
            me.say("Queue is full: waiting for a worker to take a job");
        }
        let name = job.name.clone();
        me.produced(&job);
        let queued = QueuedJob {
            job,
            queued_at: Instant::now(),
        };
        me.wait_for("room in the queue", sender.put(priority, queued))
            .await;
        me.say(format!("Added job: {name} [{}]", priority.name()));
    }
    me.say(format!("Done — added {} jobs total", harness.jobs_made()));
    me.shut_down();
}

/// Processes one job: a timer stands in for real work, and `--fail-job` or `--panic-job` make it fail.
async fn process(job: Job, failures: Arc<Failures>) -> Result<(), JobError> {
    tokio::time::sleep(job.processing_time).await;
    failures.strike(&job)
}

/// A worker: takes the most urgent job off the queue until it is closed and empty (lesson 3's worker, with
/// the job's priority and its time in the queue in every line).
async fn work(
    me: Participant,
    queue: PriorityQueue<Priority, QueuedJob>,
    failures: Arc<Failures>,
    waits: Arc<Waits>,
) {
    while let Some((priority, queued, done)) = me.wait_for("the next job from the queue", queue.get()).await {
        let QueuedJob { job, queued_at } = queued;
        // PRIORITY: how long the job waited in the queue, the number that priority changes.
        let waited = queued_at.elapsed();
        waits.record(priority, waited);
        let label = format!("{} [{}]", job.name, priority.name());

        let outcome = tokio::spawn(process(job.clone(), failures.clone())).await;
        match outcome {
            Ok(Ok(())) => {
                me.say(format!(
                    "Processed: {label} (took {:.2}, waited {:.2} in the queue)",
                    Seconds(job.processing_time),
                    Seconds(waited)
                ));
                me.processed(&job);
            }
            Ok(Err(error)) => {
                me.say(format!("Failed: {label} with an error: {error}"));
                me.failed(&job);
            }
            Err(crash) => {
                let reason = match crash.try_into_panic() {
                    Ok(payload) => panic_message(payload),
                    Err(crash) => crash.to_string(),
                };
                me.say(format!("Failed: {label} with a panic: {reason}"));
                me.failed(&job);
            }
        }
        drop(done);
    }
    me.say("Queue closed and empty: shutting down");
    me.shut_down();
}
