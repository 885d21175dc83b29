//! What the worker processes report, written down: each line a worker process sends (`events`) becomes a line
//! of the transcript and an entry in the ledger, the lesson's instruments. Not the pattern itself: the
//! queue's work is in `queue`, and the processes' in `worker_process` and `processes`.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use lesson_support::Seconds;

use crate::events::{Event, What};
use crate::processes::{Relay, WAIT_FOR_THE_QUEUE_AT_LEAST};

/// What the lesson knows of every job's end, across every process: a job's end is written in the ledger
/// once, whichever process reports it, and a job that comes back from the dead is told apart.
#[derive(Debug, Default)]
pub struct Books {
    /// The jobs whose end a worker of this program reported: done, or dead.
    pub ended: HashSet<usize>,
    /// The jobs that died here, and have not come back.
    pub dead: BTreeSet<usize>,
    /// With `--workers-only`, the jobs this program's workers took from the queue: each is written in the
    /// ledger as it arrives, when a worker takes it first.
    pub taken: BTreeSet<usize>,
}

impl Relay {
    /// Writes down one report.
    pub(crate) fn write_down(&mut self, line: &str) {
        let event: Event = match line.parse() {
            Ok(event) => event,
            Err(problem) => return self.harness.fail(problem),
        };
        let Some(task) = self.tasks.get(&event.worker) else {
            return self
                .harness
                .fail(format!("P{} reported for a worker it does not run: {line:?}", self.process));
        };
        let mut books = self.books.lock().expect("no relay panics holding the books");
        match event.what {
            What::Took { job, delivery, from } => {
                self.held.insert(event.worker, (job, self.harness.elapsed()));
                // `--workers-only`: this program made no job; one arrives when a worker here takes it first.
                if self.harness.settings().jobs_from_elsewhere && books.taken.insert(job) {
                    task.produced(&self.harness.job(job));
                }
                if let Some(from) = from {
                    let name = self.harness.job(job).name();
                    task.say(format_args!(
                        "Took over {name} (delivery {delivery}): the lease of {from} ran out"
                    ));
                }
            }
            What::Holding { .. } => {
                self.holding_still.insert(event.worker);
            }
            What::WaitingForQueue => {
                // Said once; the looks after it only tell the watchdog that the wait is meant: the lesson
                // that makes the queue may start long after.
                if !self.waiting_for_queue {
                    self.waiting_for_queue = true;
                    task.say("Waits for the queue to be made and opened, by the lesson that runs elsewhere");
                }
                self.harness.expect_progress_in(WAIT_FOR_THE_QUEUE_AT_LEAST);
            }
            What::Stalling { job: number } => {
                task.say(format_args!(
                    "Stalls with {} in hand (--stall), as a paused process would: nothing tells the queue, so \
                     its lease runs out and another worker takes the job over",
                    self.harness.job(number).name()
                ));
                self.harness.expect_progress_in(self.lease);
            }
            What::Processed { job: number, attempt } => {
                self.held.remove(&event.worker);
                let job = self.harness.job(number);
                let took = Seconds(if self.no_work { Duration::ZERO } else { job.processing_time });
                let attempt_number =
                    if attempt == 1 { String::new() } else { format!(", attempt {attempt}") };
                let line = format!("Processed: {} (took {took:.2}{attempt_number})", job.name());
                if books.dead.remove(&number) {
                    task.recovered(&job, format_args!("Recovered: {} on attempt {attempt}", job.name()));
                } else if books.ended.insert(number) {
                    task.processed(&job, line);
                } else {
                    // Another delivery of this job reported first that the result was already written: this
                    // delivery's write came first, but the reports of two processes race through two pipes.
                    // The job has ended once, in the ledger, already.
                    task.say(line);
                }
            }
            What::AlreadyWritten { job: number } => {
                self.held.remove(&event.worker);
                let job = self.harness.job(number);
                // Not an end: the delivery that wrote the result ends the job, when its report comes (through
                // another pipe, maybe later). If it never comes (its process was killed, or it is a worker of
                // another program), the lesson asks the database who wrote it, at the end.
                task.say(format_args!(
                    "Processed: {} again; its result was already written by another delivery, so the write did \
                     nothing",
                    job.name()
                ));
            }
            What::LostLease { job: number } => {
                self.held.remove(&event.worker);
                task.say(format_args!(
                    "Failed {} after its lease ran out: another worker holds the job now, and this one leaves it",
                    self.harness.job(number).name()
                ));
            }
            What::Retrying { job: number, attempt, delay_ms, error } => {
                self.held.remove(&event.worker);
                let job = self.harness.job(number);
                let delay = Duration::from_millis(delay_ms);
                task.retrying(
                    &job,
                    format_args!(
                        "Failed: {} (attempt {attempt}): {error}; due again in {}",
                        job.name(),
                        Seconds(delay)
                    ),
                );
                self.harness.expect_progress_in(delay);
            }
            What::Dead { job: number, attempts, error } => {
                self.held.remove(&event.worker);
                let job = self.harness.job(number);
                if books.dead.contains(&number) || books.ended.contains(&number) {
                    task.say(format_args!("Still failing: {} on attempt {attempts}: {error}", job.name()));
                } else {
                    books.dead.insert(number);
                    books.ended.insert(number);
                    task.dead_lettered(
                        &job,
                        format_args!(
                            "Gave up: {} after {attempts} attempt(s): {error}; its state is now dead",
                            job.name()
                        ),
                    );
                }
            }
            What::ShutDown => {
                drop(books);
                let task = self.tasks.remove(&event.worker).expect("looked up above");
                task.say("The queue is closed and every job is done or dead: shutting down");
                task.shut_down();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use lesson_support::testing::{Summary, run_recorded};
    use lesson_support::{Harness, NoOptions};

    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::worker_process::worker_name;

    /// Two deliveries of one job, in one process here for the test: the delivery whose write counted
    /// reports after the one whose write did nothing, as two processes' reports can, through two pipes. The
    /// job ends once in the ledger, whichever report comes first.
    #[test]
    fn a_job_whose_reports_come_out_of_order_ends_once() {
        let lesson = |harness: Harness, _: NoOptions| async move {
            let producer = harness.task_log("Producer");
            producer.produced(&harness.job(1));
            producer.shut_down();
            let tasks =
                [1, 2].into_iter().map(|worker| (worker, harness.task_log(worker_name("", 1, worker))));
            let mut relay = Relay {
                harness: harness.clone(),
                process: 1,
                tasks: tasks.collect(),
                books: Arc::default(),
                held: BTreeMap::new(),
                holding_still: BTreeSet::new(),
                no_work: false,
                lease: Duration::from_secs(5),
                waiting_for_queue: false,
            };
            for line in ["1 took 1 1", "2 took 1 2 P1/Worker-1", "2 already-written 1", "1 processed 1 1"] {
                relay.write_down(line);
            }
            relay.write_down("1 shut-down");
            relay.write_down("2 shut-down");
        };
        let recorded = run_recorded(crate::LESSON, lesson, &["--jobs", "1", "--workers", "2"]);
        let summary = Summary::of(&recorded.output);
        assert!(summary.is_clean() && summary.processed == 1, "{}", recorded.output);
    }
}
