//! The pool: the jobs in flight, each in a task of its own, held in a `JoinSet`.
//!
//! Lesson 3's workers were long-lived tasks that each took a job, ran it, and took the next. Here `run` takes
//! the jobs off the queue itself and starts each one in a task of its own, in a `JoinSet`; a semaphore's
//! permit, taken before the job is taken, caps how many run at once (see `run`). The `JoinSet` gives what the
//! shutdown needs:
//!
//! - `join_next_with_id()` gives back each job's result as it ends, with its task's id, by which the pool
//!   knows which job it was: processed, failed, or aborted, each reported.
//! - `abort_all()` stops every job still in hand, at the deadline. An aborted task's future is dropped at
//!   its next `.await`, with everything it holds: its permit, here.
//! - `len()` says how many jobs are in hand; a `JoinSet` that is dropped aborts its tasks, so none can
//!   outlive the pool unnoticed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lesson_support::{Failures, Harness, Job, JobError, Place, Places, Seconds, TaskLog, panic_message};
use tokio::sync::OwnedSemaphorePermit;
use tokio::task::{Id, JoinError, JoinSet};

/// The jobs in flight, and the places of the pool (`Worker-1` to `Worker-n`) that name them in the output.
pub struct Pool {
    harness: Harness,
    failures: Arc<Failures>,
    tasks: JoinSet<Result<(), JobError>>,
    /// What each task in the set is running, by the task's id.
    running: HashMap<Id, Running>,
    places: Places,
}

/// A job in flight: which one, in which place of the pool, since when.
struct Running {
    job: Job,
    place: Place,
    started: Duration,
}

impl Pool {
    /// An empty pool of `--workers` places, whose jobs fail as `failures` says.
    pub fn new(harness: &Harness, failures: Failures) -> Pool {
        Pool {
            harness: harness.clone(),
            failures: Arc::new(failures),
            tasks: JoinSet::new(),
            running: HashMap::new(),
            places: harness.places("Worker", harness.settings().workers),
        }
    }

    /// Starts `job` in a task of its own. The task holds `permit` until the job ends, or is aborted.
    pub fn start(&mut self, job: Job, permit: OwnedSemaphorePermit) {
        let task = self.tasks.spawn(process(job, self.failures.clone(), permit));
        let running = Running { job, place: self.places.take(), started: self.harness.elapsed() };
        self.running.insert(task.id(), running);
    }

    /// Waits for the next job to end, and reports how it ended. Returns at once when no job is in flight.
    pub async fn end_next(&mut self) {
        let (id, outcome) = match self.tasks.join_next_with_id().await {
            None => return,
            Some(Ok((id, outcome))) => (id, Ok(outcome)),
            // A task that panicked or was aborted has no result, but its `JoinError` still has its id.
            Some(Err(crash)) => (crash.id(), Err(crash)),
        };
        let Running { job, place, started } =
            self.running.remove(&id).expect("every task in the set is running");
        report(&place, job, self.harness.elapsed() - started, outcome);
        // The place is given back to the pool here, when `place` is dropped.
    }

    /// Aborts every job in flight. Each one's end comes back through [`Pool::end_next`], as aborted.
    pub fn abort_all(&mut self) {
        self.tasks.abort_all();
    }

    /// How many jobs are in flight.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no job is in flight.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Notes that every place of the pool shut down: call it once every job has ended.
    pub fn shut_down(self) {
        self.places.shut_down();
    }
}

/// Processes one job: a timer stands in for real work, and `--fail-job` or `--panic-job` make it fail.
async fn process(job: Job, failures: Arc<Failures>, permit: OwnedSemaphorePermit) -> Result<(), JobError> {
    // The permit is held as long as this future lives: it goes back to the semaphore when the job ends,
    // fails, panics or is aborted, and a new job may start.
    let _permit = permit;
    tokio::time::sleep(job.processing_time).await;
    failures.strike(&job)
}

/// Reports how a job ended, in the place that ran it: processed, failed with an error or a panic, or aborted.
fn report(worker: &TaskLog, job: Job, ran_for: Duration, outcome: Result<Result<(), JobError>, JoinError>) {
    match outcome {
        Ok(Ok(())) => worker.processed(
            &job,
            format_args!("Processed: {} (took {:.2})", job.name(), Seconds(job.processing_time)),
        ),
        Ok(Err(error)) => worker.failed(&job, format_args!("Failed: {} with an error: {error}", job.name())),
        // Aborted: the work done so far is lost, and the summary counts the job apart from the failures.
        Err(crash) if crash.is_cancelled() => {
            let line = format_args!(
                "Aborted: {} after {:.2} of its {:.2}",
                job.name(),
                Seconds(ran_for),
                Seconds(job.processing_time)
            );
            worker.aborted(&job, ran_for, line);
        }
        Err(crash) => {
            let reason = match crash.try_into_panic() {
                Ok(payload) => panic_message(payload),
                Err(crash) => crash.to_string(),
            };
            worker.failed(&job, format_args!("Failed: {} with a panic: {reason}", job.name()));
        }
    }
}
