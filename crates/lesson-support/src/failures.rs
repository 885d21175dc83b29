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

/// The message of the panic that `--panic-job` causes. The lesson binaries' panic hook knows it, and stays
/// silent for it: that panic is the lesson's, and the lesson reports it.
pub const DELIBERATE_PANIC: &str = "it hit a bug on purpose (--panic-job)";

impl Failures {
    /// Checks that every job named is one of the run's jobs, and sorts the lists, so that [`Failures::strike`]
    /// finds a job in them quickly however many there are.
    pub fn prepare(&mut self, settings: &Settings) -> Result<(), String> {
        prepare_job_numbers("--fail-job", &mut self.fail_jobs, settings)?;
        prepare_job_numbers("--panic-job", &mut self.panic_jobs, settings)
    }

    /// Strikes `job` if the flags say so: an error for `--fail-job`, a panic for `--panic-job`, `Ok(())` for
    /// every other job. Call it where the job's processing would fail.
    pub fn strike(&self, job: &Job) -> Result<(), JobError> {
        if self.panic_jobs.binary_search(&job.number).is_ok() {
            panic!("{DELIBERATE_PANIC}");
        }
        if self.fail_jobs.binary_search(&job.number).is_ok() {
            return Err(JobError { job: job.name().to_string() });
        }
        Ok(())
    }
}

/// Checks that every number given to `flag` is one of the run's jobs, 1 to `--jobs`, then sorts the numbers
/// and drops repeats, so that a binary search finds a job in them.
pub fn prepare_job_numbers(flag: &str, numbers: &mut Vec<usize>, settings: &Settings) -> Result<(), String> {
    let Some(number) = numbers.iter().find(|number| **number > settings.jobs) else {
        numbers.sort_unstable();
        numbers.dedup();
        return Ok(());
    };
    Err(match settings.jobs {
        0 => {
            format!("invalid value '{number}' for '{flag} <N>': there are no jobs to choose from (--jobs 0)")
        }
        jobs => format!(
            "invalid value '{number}' for '{flag} <N>': expected a job number from 1 to {jobs} (--jobs)"
        ),
    })
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
        let mut failures = Failures { fail_jobs: fail_jobs.to_vec(), panic_jobs: panic_jobs.to_vec() };
        failures.prepare(&crate::testing::default_settings()).unwrap();
        failures
    }

    #[test]
    fn only_the_named_jobs_fail() {
        let workload = Workload::new(1);
        let failures = failures(&[9, 3, 9], &[]);
        assert_eq!(failures.strike(&workload.job(1)), Ok(()));
        assert!(failures.strike(&workload.job(9)).is_err());
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
        assert_eq!(panic_message(payload), DELIBERATE_PANIC);
    }

    #[test]
    fn a_job_number_must_be_one_of_the_runs_jobs() {
        let mut settings = crate::testing::default_settings();
        settings.jobs = 5;
        let mut numbers = vec![6];
        assert_eq!(
            prepare_job_numbers("--fail-job", &mut numbers, &settings).unwrap_err(),
            "invalid value '6' for '--fail-job <N>': expected a job number from 1 to 5 (--jobs)"
        );
        settings.jobs = 0;
        let mut numbers = vec![1];
        assert_eq!(
            prepare_job_numbers("--panic-job", &mut numbers, &settings).unwrap_err(),
            "invalid value '1' for '--panic-job <N>': there are no jobs to choose from (--jobs 0)"
        );
    }
}
