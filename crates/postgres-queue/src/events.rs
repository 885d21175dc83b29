//! What a worker process tells the lesson, one line per event on its standard output.
//!
//! The workers run in other processes: they cannot write in the lesson's transcript or ledger. Each reports
//! what it does as a line (`3 processed 7`: worker 3 processed job 7), and the lesson, which reads the
//! lines of every process, writes them down as it does for the tasks of the earlier lessons. The truth stays
//! in the database; at the end of the run, the lesson holds the two accounts against each other.

use std::fmt;
use std::str::FromStr;

/// One thing a worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The worker's number, from 1, across every process.
    pub worker: usize,
    /// What it did.
    pub what: What,
}

/// What a worker did. A `job` is a job's number; an `attempt` counts from 1; an `error` is what failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs, reason = "the fields' names say what they hold, as the enum's comment does")]
pub enum What {
    /// It claimed a job: for its `delivery`-th time, from the worker whose lease on it ran out, if one did
    /// (that worker died, or was too slow).
    Took { job: usize, delivery: u32, from: Option<String> },
    /// It stopped still right after taking a job, because the lesson is about to kill its process
    /// (`--kill-worker-at`): the kill is sure to find that job in hand.
    Holding { job: usize },
    /// It has looked for the queue, and found it not there yet, or closed (`--workers-only`): it looks again.
    WaitingForQueue,
    /// It stopped with a job in hand (`--stall`) until another worker has taken the job over and ended it.
    Stalling { job: usize },
    /// It processed a job and wrote its result: the job is done.
    Processed { job: usize, attempt: u32 },
    /// It processed a job whose result another delivery had already written: the write did nothing.
    AlreadyWritten { job: usize },
    /// An attempt failed after the lease on its job ran out: another worker holds the job now.
    LostLease { job: usize },
    /// An attempt failed; the job is queued again, due after `delay_ms` (on the lesson's clock).
    Retrying { job: usize, attempt: u32, delay_ms: u64, error: String },
    /// The job's last attempt failed: the job is dead.
    Dead { job: usize, attempts: u32, error: String },
    /// The queue is closed and every job is done or dead: the worker stopped.
    ShutDown,
}

impl fmt::Display for Event {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let worker = self.worker;
        match &self.what {
            What::Took { job, delivery, from: None } => write!(formatter, "{worker} took {job} {delivery}"),
            What::Took { job, delivery, from: Some(from) } => {
                write!(formatter, "{worker} took {job} {delivery} {from}")
            }
            What::Holding { job } => write!(formatter, "{worker} holding {job}"),
            What::Stalling { job } => write!(formatter, "{worker} stalling {job}"),
            What::Processed { job, attempt } => write!(formatter, "{worker} processed {job} {attempt}"),
            What::AlreadyWritten { job } => write!(formatter, "{worker} already-written {job}"),
            What::LostLease { job } => write!(formatter, "{worker} lost-lease {job}"),
            What::Retrying { job, attempt, delay_ms, error } => {
                write!(formatter, "{worker} retrying {job} {attempt} {delay_ms} {error}")
            }
            What::Dead { job, attempts, error } => {
                write!(formatter, "{worker} dead {job} {attempts} {error}")
            }
            What::WaitingForQueue => write!(formatter, "{worker} waiting-for-queue"),
            What::ShutDown => write!(formatter, "{worker} shut-down"),
        }
    }
}

impl FromStr for Event {
    type Err = String;

    fn from_str(line: &str) -> Result<Event, String> {
        let bad = || format!("a worker process said something the lesson does not understand: {line:?}");
        let (worker, rest) = line.split_once(' ').ok_or_else(bad)?;
        let worker = worker.parse().map_err(|_| bad())?;
        let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        // The words after the kind: the last of `count` takes the rest of the line (an error's message).
        let words = |count: usize| -> Result<Vec<&str>, String> {
            let words: Vec<&str> = rest.splitn(count, ' ').collect();
            if words.len() == count && words.iter().all(|word| !word.is_empty()) {
                Ok(words)
            } else {
                Err(bad())
            }
        };
        let number = |word: &str| -> Result<usize, String> { word.parse().map_err(|_| bad()) };
        let what = match kind {
            "shut-down" if rest.is_empty() => What::ShutDown,
            "waiting-for-queue" if rest.is_empty() => What::WaitingForQueue,
            "took" => match rest.splitn(3, ' ').collect::<Vec<_>>()[..] {
                [job, delivery] => {
                    What::Took { job: number(job)?, delivery: number(delivery)? as u32, from: None }
                }
                [job, delivery, from] => What::Took {
                    job: number(job)?,
                    delivery: number(delivery)? as u32,
                    from: Some(from.to_string()),
                },
                _ => return Err(bad()),
            },
            "processed" => match words(2)?[..] {
                [job, attempt] => What::Processed { job: number(job)?, attempt: number(attempt)? as u32 },
                _ => return Err(bad()),
            },
            "holding" => What::Holding { job: number(rest)? },
            "stalling" => What::Stalling { job: number(rest)? },
            "already-written" => What::AlreadyWritten { job: number(rest)? },
            "lost-lease" => What::LostLease { job: number(rest)? },
            "retrying" => match words(4)?[..] {
                [job, attempt, delay_ms, error] => What::Retrying {
                    job: number(job)?,
                    attempt: number(attempt)? as u32,
                    delay_ms: number(delay_ms)? as u64,
                    error: error.to_string(),
                },
                _ => return Err(bad()),
            },
            "dead" => match words(3)?[..] {
                [job, attempts, error] => What::Dead {
                    job: number(job)?,
                    attempts: number(attempts)? as u32,
                    error: error.to_string(),
                },
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        };
        Ok(Event { worker, what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back_as_written() {
        let events = [
            What::Took { job: 7, delivery: 1, from: None },
            What::Took { job: 7, delivery: 2, from: Some("P1/Worker-1".into()) },
            What::Holding { job: 7 },
            What::Stalling { job: 7 },
            What::Processed { job: 7, attempt: 1 },
            What::AlreadyWritten { job: 7 },
            What::LostLease { job: 7 },
            What::Retrying {
                job: 7,
                attempt: 1,
                delay_ms: 100,
                error: "a transient error (--fail-rate)".into(),
            },
            What::Dead { job: 7, attempts: 3, error: "a poison job: it fails every time (--poison)".into() },
            What::WaitingForQueue,
            What::ShutDown,
        ];
        for what in events {
            let event = Event { worker: 3, what };
            assert_eq!(event.to_string().parse::<Event>(), Ok(event.clone()));
        }
    }

    #[test]
    fn a_line_that_is_not_an_event_is_refused() {
        assert!("3 vanished 7".parse::<Event>().is_err());
        assert!("three processed 7 1".parse::<Event>().is_err());
        assert!("3 processed".parse::<Event>().is_err());
    }
}
