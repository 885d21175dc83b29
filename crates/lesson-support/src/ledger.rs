//! The ledger: the course's record of what became of every job.
//!
//! A course about queues must not lose a job without saying so. Every job the producer puts on the queue is
//! written in the ledger, and so is its end: processed, failed or dead-lettered. A job with no end when the
//! run stops is lost, and the summary names it.
//!
//! The ledger keeps counts, and the numbers of the jobs that have not ended yet: only what is in the queue or
//! in a worker's hands, never every job of a long run. Once its set has grown to that size, writing in the
//! ledger allocates nothing. The set hashes job numbers with `rustc-hash`, the compiler's own hash for small
//! keys: the standard library's hash resists attacks that a list of job numbers cannot mount, and costs more.

use std::collections::BTreeSet;

use rustc_hash::FxHashSet;

use crate::workload::{Job, JobName};

/// How a job ended, as the ledger counts it: in the words of the run's report (`crates/run-report`).
pub use run_report::End;

/// How each job of a run ended, or that it has not ended yet.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Jobs put on the queue.
    pub produced: usize,
    /// Jobs a worker finished.
    pub processed: usize,
    /// Jobs whose processing failed, and which were reported as failed.
    pub failed: usize,
    /// Jobs given up on after their retries and parked in a dead-letter queue.
    pub dead_lettered: usize,
    /// Jobs handed back unstarted when the run was cancelled (lesson 7).
    pub returned: usize,
    /// Jobs aborted in a worker's hands at a shutdown's deadline (lesson 7).
    pub aborted: usize,
    /// The numbers of the jobs produced that have not ended yet. Its order does not matter: the lost jobs
    /// are sorted before they are named.
    unfinished: FxHashSet<usize>,
    /// The start of the jobs' names (`process_item`), to name the lost ones.
    kind: &'static str,
    /// The jobs in a dead-letter queue, by number, so that a replay can take them out again.
    parked: BTreeSet<usize>,
    /// Things that must never happen, such as a job that ends twice. They make the run fail.
    mistakes: Vec<String>,
}

impl Ledger {
    /// Notes that `job` was put on the queue.
    pub fn produced(&mut self, job: &Job) {
        self.produced += 1;
        self.kind = job.kind;
        if !self.unfinished.insert(job.number) {
            self.mistakes.push(format!("{} was produced twice", job.name()));
        }
    }

    /// Notes that `job` ended as `end`.
    pub fn ended(&mut self, job: &Job, end: End) {
        if end == End::Recovered {
            if !self.parked.remove(&job.number) {
                self.mistakes
                    .push(format!("{} was recovered but it was not in a dead-letter queue", job.name()));
                return;
            }
            self.dead_lettered -= 1;
            self.processed += 1;
            return;
        }
        if !self.unfinished.remove(&job.number) {
            self.mistakes.push(format!(
                "{} was {} but it was not waiting to be processed (never produced, or ended twice)",
                job.name(),
                end.describe()
            ));
        }
        match end {
            End::Processed => self.processed += 1,
            End::Failed => self.failed += 1,
            End::DeadLettered => {
                self.dead_lettered += 1;
                self.parked.insert(job.number);
            }
            End::Returned => self.returned += 1,
            End::Aborted => self.aborted += 1,
            End::Recovered => unreachable!("handled above"),
        }
    }

    /// Jobs produced that never ended, in the order of their numbers: the lost ones, once the run is over.
    pub fn unfinished(&self) -> Vec<JobName> {
        let mut numbers: Vec<usize> = self.unfinished.iter().copied().collect();
        numbers.sort_unstable();
        let kind = self.kind;
        numbers.into_iter().map(|number| JobName::new(kind, number)).collect()
    }

    /// How many jobs produced have not ended yet.
    pub fn unfinished_count(&self) -> usize {
        self.unfinished.len()
    }

    /// What went wrong in the bookkeeping itself.
    pub fn mistakes(&self) -> &[String] {
        &self.mistakes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Workload;

    #[test]
    fn every_job_ends_once() {
        let workload = Workload::new(1);
        let mut ledger = Ledger::default();
        for number in (1..=3).rev() {
            ledger.produced(&workload.job(number));
        }
        ledger.ended(&workload.job(1), End::Processed);
        ledger.ended(&workload.job(2), End::Failed);
        assert_eq!((ledger.produced, ledger.processed, ledger.failed), (3, 1, 1));
        let lost: Vec<String> = ledger.unfinished().iter().map(ToString::to_string).collect();
        assert_eq!(lost, ["process_item_3"]);
        assert_eq!(ledger.unfinished_count(), 1);
        assert!(ledger.mistakes().is_empty());
    }

    #[test]
    fn lost_jobs_are_named_in_order() {
        let workload = Workload::new(1);
        let mut ledger = Ledger::default();
        for number in [30, 4, 200, 1] {
            ledger.produced(&workload.job(number));
        }
        let lost: Vec<String> = ledger.unfinished().iter().map(ToString::to_string).collect();
        assert_eq!(lost, ["process_item_1", "process_item_4", "process_item_30", "process_item_200"]);
    }

    #[test]
    fn a_recovered_dead_letter_counts_as_processed() {
        let job = Workload::new(1).job(1);
        let mut ledger = Ledger::default();
        ledger.produced(&job);
        ledger.ended(&job, End::DeadLettered);
        assert_eq!((ledger.processed, ledger.dead_lettered), (0, 1));
        ledger.ended(&job, End::Recovered);
        assert_eq!((ledger.processed, ledger.dead_lettered), (1, 0));
        ledger.ended(&job, End::Recovered);
        assert_eq!(ledger.mistakes().len(), 1, "a job recovers once");
    }

    #[test]
    fn ending_a_job_twice_is_a_mistake() {
        let job = Workload::new(1).job(1);
        let mut ledger = Ledger::default();
        ledger.produced(&job);
        ledger.ended(&job, End::Processed);
        ledger.ended(&job, End::Processed);
        assert_eq!(ledger.mistakes().len(), 1);
    }
}
