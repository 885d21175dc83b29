//! The report of a run, for `cargo xtask check`, gathered while the run goes: the harness's side of the
//! format that `crates/run-report` defines (and documents), in the harness's own types.

use std::time::Duration;

use run_report::{TaskEnd, Writer};

use crate::activity::Activity;
use crate::ledger::End;

/// The facts of a run, gathered while it goes, when `--report` asks for them.
#[derive(Debug, Default)]
pub(crate) struct Report {
    writer: Writer,
}

impl Report {
    /// A job was put on the queue.
    pub(crate) fn produced(&mut self, job: usize, at: Duration) {
        self.writer.produced(job, at.as_secs_f64());
    }

    /// A job ended, or an attempt at it failed and will be retried (`end` is `None`), in `task`'s hands.
    pub(crate) fn ended(&mut self, job: usize, end: Option<End>, task: &str, at: Duration) {
        self.writer.ended(job, end, task, at.as_secs_f64());
    }

    /// `task` waited from `since` to `at` for `what`, and `unfinished` jobs were not done when the wait ended.
    pub(crate) fn waited(
        &mut self,
        task: &str,
        what: &str,
        since: Duration,
        at: Duration,
        unfinished: usize,
    ) {
        self.writer.waited(task, what, since.as_secs_f64(), at.as_secs_f64(), unfinished);
    }

    /// The end of the run: how every task ended, the jobs made, the watchdog's stop if any, the mistakes of
    /// the ledger, and the exit status. Returns the whole report.
    pub(crate) fn conclude(mut self, end: &RunEnd<'_>) -> String {
        for &(name, activity) in &end.tasks {
            let task_end = match activity {
                Activity::Busy => TaskEnd::Busy,
                Activity::Waiting { what, since } => {
                    TaskEnd::Waiting { since: since.as_secs_f64(), what: what.to_string() }
                }
                Activity::ShutDown { at } => TaskEnd::ShutDown(at.as_secs_f64()),
                Activity::Stopped { at } => TaskEnd::Stopped(at.as_secs_f64()),
            };
            self.writer.task(name, &task_end);
        }
        self.writer.jobs(end.jobs, end.jobs_made);
        if let Some((last_event, stopped_at, too_long)) = end.stall {
            self.writer.stalled(last_event.as_secs_f64(), stopped_at.as_secs_f64(), too_long);
        }
        for mistake in end.mistakes {
            self.writer.mistake(mistake);
        }
        for error in end.errors {
            self.writer.error(error);
        }
        self.writer.finish(end.status)
    }
}

/// What the report's last lines say.
pub(crate) struct RunEnd<'a> {
    pub(crate) tasks: Vec<(&'a str, Activity)>,
    pub(crate) jobs: usize,
    pub(crate) jobs_made: usize,
    /// The last event, the watchdog's stop, and whether it stopped the run for going on too long.
    pub(crate) stall: Option<(Duration, Duration, bool)>,
    pub(crate) mistakes: &'a [String],
    /// What went wrong outside the ledger's accounting: what the lesson found (`Harness::fail`), a panic no
    /// task caught, a file or an output that could not be written.
    pub(crate) errors: &'a [String],
    pub(crate) status: u8,
}
