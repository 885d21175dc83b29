//! The dead-letter queue: where a job goes when it has failed every attempt it was allowed.
//!
//! Parking a job is not the same as dropping it. A dead letter keeps everything needed to understand the
//! failure and to try again: the job, its last error, how many attempts it had, and when it was parked.

use std::sync::Mutex;
use std::time::Duration;

use lesson_support::Job;

/// One parked job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The job, as it was produced.
    pub job: Job,
    /// Why its last attempt failed.
    pub last_error: String,
    /// How many attempts it had.
    pub attempts: u32,
    /// When it was parked, since the start of the run.
    pub parked_at: Duration,
}

/// The parked jobs, in the order they were parked. Shared by every worker.
#[derive(Debug, Default)]
pub struct DeadLetterQueue {
    parked: Mutex<Vec<DeadLetter>>,
}

impl DeadLetterQueue {
    /// Parks a job that has run out of attempts.
    pub fn park(&self, letter: DeadLetter) {
        self.lock().push(letter);
    }

    /// Takes every parked job out, to replay them.
    pub fn take_all(&self) -> Vec<DeadLetter> {
        std::mem::take(&mut *self.lock())
    }

    /// How many jobs are parked.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no job is parked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the parked jobs, in the order they were parked.
    pub fn letters(&self) -> Vec<DeadLetter> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<DeadLetter>> {
        self.parked.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
