//! Lesson 5: lesson 3's pipeline with retries: a failed job is tried again after a growing delay, and a job
//! that fails every attempt is parked in a dead-letter queue, to be inspected and replayed.
//!
//! What is new is marked `RETRY` and `DEAD LETTER`: `cargo xtask diff 3 5`. The shutdown changes too: with
//! retries, "the producer is done" no longer means "no job will be queued again", so the queue is closed
//! after `join()`.
//!
//! The lesson text is `lessons/05-dead-letter.md`; run it with `cargo xtask lesson 5`.

pub mod dead_letters;
pub mod queue;
pub mod report;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use lesson_support::settings::whole_number;
use lesson_support::{
    Harness, Job, Lesson, LessonOptions, Seconds, Settings, Slot, TaskLog, Watched, Workload, panic_message,
};
use rand::RngExt;
use tokio::task::JoinHandle;

use crate::dead_letters::{DeadLetter, DeadLetterQueue};
use crate::queue::{Queue, QueueSender, TaskDone, WeakQueueSender};

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: env!("CARGO_PKG_NAME"),
    about: env!("CARGO_PKG_DESCRIPTION"),
    heading: "Producer-Consumer with retries and a dead-letter queue",
};

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "This lesson's experiments")]
pub struct Options {
    /// The chance that an attempt fails for a transient reason (a timeout, a busy server), from 0 to 1. Which
    /// attempts fail is drawn from the seed.
    #[arg(long, value_name = "P", allow_hyphen_values = true, default_value_t = 0.2, value_parser = lesson_support::settings::probability)]
    pub fail_rate: f64,

    /// Make job N fail on every attempt: a poison job, which no retry can save. Repeat the flag, or separate
    /// numbers with commas, for several.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_delimiter = ',',
          value_parser = whole_number(1usize, lesson_support::settings::MAX_JOBS))]
    pub poison: Vec<usize>,

    /// How many attempts a job gets before it is parked in the dead-letter queue.
    #[arg(long, value_name = "N", allow_hyphen_values = true, default_value_t = 3,
          value_parser = whole_number(1u32, 10))]
    pub max_attempts: u32,

    /// The delay before the first retry, in milliseconds; it doubles before each retry after that.
    #[arg(long, value_name = "MS", allow_hyphen_values = true, default_value_t = 100,
          value_parser = whole_number(0u64, 60_000))]
    pub backoff_ms: u64,

    /// After the run, give every parked job one more attempt, and report which recovered.
    #[arg(long)]
    pub replay_dead_letters: bool,
}

impl LessonOptions for Options {
    /// A job's every attempt (each takes a second at most) and every backoff between them, and a replay's:
    /// the watchdog stops a run that goes on far longer, such as one whose retries never give up.
    fn longest_job(&self) -> Duration {
        let policy = RetryPolicy {
            max_attempts: self.max_attempts,
            base_delay: Duration::from_millis(self.backoff_ms),
        };
        let backoffs: Duration = (2..=self.max_attempts).map(|next| policy.delay_before(next)).sum();
        Duration::from_secs(u64::from(self.max_attempts) + 1) + backoffs
    }

    fn prepare(&mut self, settings: &Settings) -> Result<(), String> {
        if self.replay_dead_letters && settings.is_sweep() {
            return Err(
                "the argument '--replay-dead-letters' cannot be used with a sweep: a sweep prints a \
                        table of times, not the replay"
                    .to_string(),
            );
        }
        lesson_support::failures::prepare_job_numbers("--poison", &mut self.poison, settings)
    }
}

/// RETRY: one attempt at a job: what travels through the queue, the first time and on every retry.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// The job.
    pub job: Job,
    /// Which attempt this is, from 1.
    pub number: u32,
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptError {
    /// A transient failure (`--fail-rate`): it passes, and the next attempt may succeed.
    Transient,
    /// A job that always fails (`--poison`).
    Poison,
}

impl fmt::Display for AttemptError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptError::Transient => write!(formatter, "a transient error (--fail-rate)"),
            AttemptError::Poison => write!(formatter, "a poison job: it fails every time (--poison)"),
        }
    }
}

/// RETRY: how failures are retried: how many attempts, and the delay before each retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts before a job is parked.
    pub max_attempts: u32,
    /// The delay before the first retry.
    pub base_delay: Duration,
}

impl RetryPolicy {
    /// The delay before attempt `next` (from 2): the base delay, doubled for every retry before it.
    /// With the default 100 ms: 100 ms before attempt 2, 200 ms before attempt 3, 400 ms before attempt 4.
    ///
    /// Growing delays give a struggling service room to recover, where a tight retry loop would pile on.
    pub fn delay_before(&self, next: u32) -> Duration {
        self.base_delay * 2u32.pow(next.saturating_sub(2))
    }
}

/// What every worker holds a copy of: the queue, the way back into it for a retry, the dead letters, and
/// how to retry.
#[derive(Debug, Clone)]
struct Shared {
    harness: Harness,
    queue: Queue<Attempt>,
    /// RETRY: a weak sender, which puts a failed job back without keeping the queue open by itself.
    retries: WeakQueueSender<Attempt>,
    dead_letters: Arc<DeadLetterQueue>,
    policy: RetryPolicy,
    options: Arc<Options>,
}

/// Runs the lesson: one producer, `--workers` workers, a queue, retries and a dead-letter queue.
pub async fn run(harness: Harness, options: Options) {
    let settings = harness.settings();
    let main = harness.task_log("Main");
    let dead_letters = Arc::new(DeadLetterQueue::default());

    // The queue. It holds attempts at jobs: a job's first attempt, or a retry.
    let (sender, queue) = queue::channel(settings.queue_capacity());

    // RETRY: this time `run` keeps a sender, on purpose. A failed job comes back to the queue after its
    // delay, so the queue must stay open until no job can come back: the producer being done is not enough.
    // The workers get a *weak* sender for their retries, which does not keep the queue open by itself.
    let shared = Shared {
        harness: harness.clone(),
        queue: queue.clone(),
        retries: sender.downgrade(),
        dead_letters: dead_letters.clone(),
        policy: RetryPolicy {
            max_attempts: options.max_attempts,
            base_delay: Duration::from_millis(options.backoff_ms),
        },
        options: Arc::new(options.clone()),
    };
    let producer = tokio::spawn(produce(harness.clone(), harness.task_log("Producer"), sender.clone()));
    let workers: Vec<JoinHandle<()>> = (1..=settings.workers)
        .map(|number| {
            let task = harness.task_log(format!("Worker-{number}"));
            tokio::spawn(work(task, shared.clone()))
        })
        .collect();
    drop(shared);

    producer.watched(&main, "the producer to finish").await.expect("the producer does not panic");

    // RETRY: a job waiting for its retry still counts as unfinished (its receipt is held by the timer), so
    // `join()` returns only when every job has succeeded or been parked. Only then may the queue close.
    queue.join().watched(&main, "every job to be done, retries included (queue.join())").await;
    main.say("Every job is done: queue.join() returned; closing the queue");
    drop(sender);

    for worker in workers {
        // Kept (Fix it 3): a worker's result is looked at. A worker contains its jobs' failures, so it
        // should only ever end by shutting down; if it did not, say so.
        if let Err(crash) = worker.watched(&main, "the workers to finish").await {
            main.say(format_args!("!! A worker crashed: {crash}"));
        }
    }

    // DEAD LETTER: what could not be done, for a person to look at.
    for line in report::dead_letters(&dead_letters) {
        harness.note(line);
    }
    if options.replay_dead_letters {
        replay(&harness, &main, &dead_letters, &options).await;
    }
    main.shut_down();
}

/// The producer: makes `--jobs` jobs and puts each on the queue as its first attempt.
async fn produce(harness: Harness, task: TaskLog, sender: QueueSender<Attempt>) {
    for job in harness.jobs() {
        // Making a job takes a little time, as fetching a page or reading a log line would.
        tokio::time::sleep(job.production_time).await;

        // `put` waits while the queue is full: backpressure, as in lesson 1.
        if sender.is_full() {
            task.say("Queue is full: waiting for a worker to take a job");
        }
        task.produced(&job);
        sender
            .put(Attempt { job, number: 1 })
            .watched(&task, "room in the queue")
            .await
            .expect("the queue stays open until every job is done");
        task.say(format_args!("Added job: {}", job.name()));
    }
    task.say(format_args!("Done — added {} jobs total", harness.jobs_made()));
    task.shut_down();
    // RETRY: this `sender` is dropped here, but `run` keeps one until `join()` returns.
}

/// Processes one attempt at a job: a timer stands in for real work, then the attempt fails if the job is
/// poison, or if the seed says this attempt hits a transient error.
async fn process(
    job: Job,
    attempt: u32,
    workload: Workload,
    options: Arc<Options>,
) -> Result<(), AttemptError> {
    tokio::time::sleep(job.processing_time).await;
    if options.poison.binary_search(&job.number).is_ok() {
        return Err(AttemptError::Poison);
    }
    // Each attempt draws from a random stream of its own, so that skipping the draw when nothing can fail
    // (`--fail-rate 0`) changes no other draw, and saves making a stream for every attempt.
    if options.fail_rate > 0.0 {
        let mut random = workload.random_at(job.number, Slot::Attempt(attempt));
        if random.random_bool(options.fail_rate) {
            return Err(AttemptError::Transient);
        }
    }
    Ok(())
}

/// A worker: takes attempts off the queue until it is closed and empty, and survives every job's failure.
/// A failed attempt is scheduled for a retry, or parked once it was the last one allowed.
async fn work(task: TaskLog, shared: Shared) {
    let workload = shared.harness.workload();
    while let Some((attempt, done)) = shared.queue.get().watched(&task, "the next job from the queue").await {
        let Attempt { job, number } = attempt;
        // Kept (Fix it 3): the job runs in a task of its own, and the worker waits for that task. An error
        // comes back as a value; a panic ends only the job's task and comes back as a `JoinError`. Either
        // way the worker reports the failure and goes on with the next job: Python's `try/except` around
        // the job, with panics caught too.
        let outcome = tokio::spawn(process(job, number, workload, shared.options.clone())).await;
        let error = match outcome {
            Ok(Ok(())) => {
                let attempt = if number == 1 { String::new() } else { format!(", attempt {number}") };
                task.processed(
                    &job,
                    format_args!(
                        "Processed: {} (took {:.2}{attempt})",
                        job.name(),
                        Seconds(job.processing_time)
                    ),
                );
                continue;
            }
            Ok(Err(error)) => error.to_string(),
            Err(crash) => match crash.try_into_panic() {
                Ok(payload) => format!("a panic: {}", panic_message(payload)),
                Err(crash) => crash.to_string(),
            },
        };
        if number < shared.policy.max_attempts {
            retry_later(&task, &shared, attempt, &error, done);
        } else {
            // DEAD LETTER: out of attempts. The job is parked with what is needed to understand it and to try
            // again, and it counts as done: it will not come back by itself.
            task.dead_lettered(
                &job,
                format_args!(
                    "Gave up: {} after {number} attempt(s): {error}; parked in the dead-letter queue",
                    job.name()
                ),
            );
            shared.dead_letters.park(DeadLetter {
                job,
                last_error: error,
                attempts: number,
                parked_at: shared.harness.elapsed(),
            });
            drop(done);
        }
    }
    task.say("Queue closed and empty: shutting down");
    task.shut_down();
}

/// RETRY: puts a failed attempt back on the queue after its delay. The worker does not sit out the delay; a
/// timer task does, and the worker goes straight on to the next job. The timer holds the job's receipt
/// (`done`) until the job is back in the queue, so `join()` cannot return in between.
fn retry_later(task: &TaskLog, shared: &Shared, attempt: Attempt, error: &str, done: TaskDone) {
    let Attempt { job, number } = attempt;
    let delay = shared.policy.delay_before(number + 1);
    task.retrying(
        &job,
        format_args!(
            "Failed: {} (attempt {number} of {}): {error}; retrying in {}",
            job.name(),
            shared.policy.max_attempts,
            Seconds(delay)
        ),
    );
    let sender = shared.retries.upgrade().expect("`run` keeps the queue open until every job is done");
    // The watchdog is told when the timer will bring the job back, so that a backoff longer than its limit
    // is not taken for a stuck run.
    shared.harness.expect_progress_in(delay);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let retry = Attempt { job, number: number + 1 };
        sender.put(retry).await.expect("the workers keep the queue open");
        drop(done);
    });
}

/// DEAD LETTER: gives every parked job one more attempt, one at a time, and reports which recovered.
/// A transient failure may clear up; a poison job never does.
async fn replay(harness: &Harness, main: &TaskLog, dead_letters: &DeadLetterQueue, options: &Options) {
    let parked = dead_letters.take_all();
    main.say(format_args!("Replaying {} dead letter(s), one more attempt each", parked.len()));
    let options = Arc::new(options.clone());
    for letter in parked {
        let attempt = letter.attempts + 1;
        let job = letter.job;
        let outcome = tokio::spawn(process(job, attempt, harness.workload(), options.clone())).await;
        let error = match outcome {
            Ok(Ok(())) => {
                main.recovered(&job, format_args!("Recovered: {} on attempt {attempt}", job.name()));
                continue;
            }
            Ok(Err(error)) => error.to_string(),
            Err(crash) => crash.to_string(),
        };
        main.say(format_args!("Still failing: {} on attempt {attempt}: {error}", job.name()));
        dead_letters.park(DeadLetter {
            attempts: attempt,
            last_error: error,
            parked_at: harness.elapsed(),
            ..letter
        });
    }
    harness.note("After the replay:");
    for line in report::dead_letters(dead_letters) {
        harness.note(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_before_each_retry() {
        let policy = RetryPolicy { max_attempts: 5, base_delay: Duration::from_millis(100) };
        let delays: Vec<u128> = (2..=5).map(|next| policy.delay_before(next).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800]);
    }
}
