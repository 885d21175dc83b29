//! The ledger: what became of every job.
//!
//! A course about queues must not lose a job without saying so. Every job the producer puts on the queue is
//! written in the ledger, and so is its end: processed, failed or dead-lettered. A job with no end when the
//! run stops is lost, and the summary names it.

use std::collections::{BTreeMap, BTreeSet};

use crate::workload::Job;

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
    /// Jobs produced that have not ended yet, by number. Kept small: only what is in the queue or in a
    /// worker's hands, never every job of a long run.
    unfinished: BTreeMap<usize, String>,
    /// The jobs in a dead-letter queue, by number, so that a replay can take them out again.
    parked: BTreeSet<usize>,
    /// Things that must never happen, such as a job that ends twice. They make the run fail.
    mistakes: Vec<String>,
}

impl Ledger {
    /// Notes that `job` was put on the queue.
    pub fn produced(&mut self, job: &Job) {
        self.produced += 1;
        if self.unfinished.insert(job.number, job.name.clone()).is_some() {
            self.mistakes.push(format!("{} was produced twice", job.name));
        }
    }

    /// Notes that a worker finished `job`.
    pub fn processed(&mut self, job: &Job) {
        self.end(job, "processed");
        self.processed += 1;
    }

    /// Notes that `job` failed and the failure was handled.
    pub fn failed(&mut self, job: &Job) {
        self.end(job, "failed");
        self.failed += 1;
    }

    /// Notes that `job` was parked in a dead-letter queue.
    pub fn dead_lettered(&mut self, job: &Job) {
        self.end(job, "dead-lettered");
        self.dead_lettered += 1;
        self.parked.insert(job.number);
    }

    /// Notes that `job`, parked in a dead-letter queue, was replayed and processed after all.
    pub fn recovered(&mut self, job: &Job) {
        if !self.parked.remove(&job.number) {
            self.mistakes.push(format!(
                "{} was recovered but it was not in a dead-letter queue",
                job.name
            ));
            return;
        }
        self.dead_lettered -= 1;
        self.processed += 1;
    }

    fn end(&mut self, job: &Job, how: &str) {
        if self.unfinished.remove(&job.number).is_none() {
            self.mistakes.push(format!(
                "{} was {how} but it was not waiting to be processed (never produced, or ended twice)",
                job.name
            ));
        }
    }

    /// Jobs produced that never ended: the lost ones, once the run is over.
    pub fn unfinished(&self) -> impl Iterator<Item = &str> {
        self.unfinished.values().map(String::as_str)
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
        for number in 1..=3 {
            ledger.produced(&workload.job(number));
        }
        ledger.processed(&workload.job(1));
        ledger.failed(&workload.job(2));
        assert_eq!((ledger.produced, ledger.processed, ledger.failed), (3, 1, 1));
        assert_eq!(ledger.unfinished().collect::<Vec<_>>(), ["process_item_3"]);
        assert_eq!(ledger.unfinished().count(), 1);
        assert!(ledger.mistakes().is_empty());
    }

    #[test]
    fn a_recovered_dead_letter_counts_as_processed() {
        let job = Workload::new(1).job(1);
        let mut ledger = Ledger::default();
        ledger.produced(&job);
        ledger.dead_lettered(&job);
        assert_eq!((ledger.processed, ledger.dead_lettered), (0, 1));
        ledger.recovered(&job);
        assert_eq!((ledger.processed, ledger.dead_lettered), (1, 0));
        ledger.recovered(&job);
        assert_eq!(ledger.mistakes().len(), 1, "a job recovers once");
    }

    #[test]
    fn ending_a_job_twice_is_a_mistake() {
        let job = Workload::new(1).job(1);
        let mut ledger = Ledger::default();
        ledger.produced(&job);
        ledger.processed(&job);
        ledger.processed(&job);
        assert_eq!(ledger.mistakes().len(), 1);
    }
}
