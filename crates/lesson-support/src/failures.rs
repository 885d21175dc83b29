//! Failures on demand: `--fail-job N` and `--panic-job N` make chosen jobs fail, so that a lesson can show
//! what a failure does to the pool, and how to contain it.

use std::any::Any;
use std::fmt;

use clap::Args;

use crate::settings::{MAX_JOBS, Settings, whole_number};
use crate::workload::Job;

/// The flags that choose which jobs fail, and how.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "This lesson's experiments")]
pub struct Failures {
    /// Make job N fail with an error while a worker processes it. Repeat the flag, or separate numbers with
    /// commas, for several: --fail-job 3,7
    #[arg(long = "fail-job", value_name = "N", value_delimiter = ',', allow_hyphen_values = true,
          value_parser = whole_number(1, MAX_JOBS))]
    pub fail_jobs: Vec<usize>,

    /// Make job N panic while a worker processes it (a bug, rather than an error). Repeat the flag, or separate
    /// numbers with commas, for several.
    #[arg(long = "panic-job", value_name = "N", value_delimiter = ',', allow_hyphen_values = true,
          value_parser = whole_number(1, MAX_JOBS))]
    pub panic_jobs: Vec<usize>,
}

/// The error a job fails with when `--fail-job` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    /// The failed job's name, for whoever handles the error.
    pub job: String,
}

impl fmt::Display for JobError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "it failed on purpose (--fail-job)")
    }
}

impl std::error::Error for JobError {}

impl Failures {
    /// Checks that every job named is one of the run's jobs.
    pub fn check(&self, settings: &Settings) -> Result<(), String> {
        check_job_numbers("--fail-job", &self.fail_jobs, settings)?;
        check_job_numbers("--panic-job", &self.panic_jobs, settings)
    }

    /// Strikes `job` if the flags say so: an error for `--fail-job`, a panic for `--panic-job`, `Ok(())` for
    /// every other job. Call it where the job's processing would fail.
    pub fn strike(&self, job: &Job) -> Result<(), JobError> {
        if self.panic_jobs.contains(&job.number) {
            panic!("it hit a bug on purpose (--panic-job)");
        }
        if self.fail_jobs.contains(&job.number) {
            return Err(JobError {
                job: job.name.clone(),
            });
        }
        Ok(())
    }
}

/// Checks that every number given to `flag` is one of the run's jobs, 1 to `--jobs`.
pub fn check_job_numbers(flag: &str, numbers: &[usize], settings: &Settings) -> Result<(), String> {
    match numbers.iter().find(|number| **number > settings.jobs) {
        Some(number) => Err(format!(
            "invalid value '{number}' for '{flag} <N>': expected a job number from 1 to {} (--jobs)",
            settings.jobs
        )),
        None => Ok(()),
    }
}

/// The message a panic was started with, from the payload that `JoinError::into_panic` gives back.
pub fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(message) => message.to_string(),
            Err(_) => "a panic without a message".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Workload;

    fn failures(fail_jobs: &[usize], panic_jobs: &[usize]) -> Failures {
        Failures {
            fail_jobs: fail_jobs.to_vec(),
            panic_jobs: panic_jobs.to_vec(),
        }
    }

    #[test]
    fn only_the_named_jobs_fail() {
        let workload = Workload::new(1);
        let failures = failures(&[3], &[]);
        assert_eq!(failures.strike(&workload.job(1)), Ok(()));
        assert_eq!(
            failures.strike(&workload.job(3)).unwrap_err().to_string(),
            "it failed on purpose (--fail-job)"
        );
    }

    #[test]
    fn a_panic_job_panics_with_a_message_that_can_be_read_back() {
        let job = Workload::new(1).job(5);
        let failures = failures(&[], &[5]);
        let payload = std::panic::catch_unwind(|| failures.strike(&job)).unwrap_err();
        assert_eq!(panic_message(payload), "it hit a bug on purpose (--panic-job)");
    }
}
