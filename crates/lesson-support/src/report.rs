//! The report of a run, for `cargo xtask check`: what became of every job and every task, one fact a line.
//!
//! The transcript is written for a person, and a learner may change its words; the self-check must not
//! depend on them. So a run given `--report FILE` (a flag that `--help` does not list) also writes the facts
//! the check judges: every job produced and how it ended, every wait that ended and how many jobs were
//! unfinished then, how each task ended, and the exit status. The runner reads them back (`xtask/src/report.rs`).
//!
//! Each line is a word that says what it is, then fields separated by spaces; a free text (what a task waited
//! for) comes last. Times are seconds since the start of the run, with three decimals.
//!
//! ```text
//! produced 7 0.783
//! ended 7 processed Worker-2 1.915
//! waited Main 2.072 4.779 0 every job to be done (queue.join())
//! task Worker-1 shut-down 4.779
//! task Main waiting 2.072 the workers to finish
//! stalled 4.779 15.000
//! status 1
//! ```

use std::fmt::Write;
use std::time::Duration;

use crate::activity::Activity;
use crate::clock::Seconds;
use crate::ledger::End;

/// The facts of a run, gathered while it goes, when `--report` asks for them.
#[derive(Debug, Default)]
pub(crate) struct Report {
    text: String,
}

impl Report {
    /// A job was put on the queue.
    pub(crate) fn produced(&mut self, job: usize, at: Duration) {
        let _ = writeln!(self.text, "produced {job} {:.3}", at.as_secs_f64());
    }

    /// A job ended, or an attempt at it failed and will be retried (`end` is `None`), in `task`'s hands.
    pub(crate) fn ended(&mut self, job: usize, end: Option<End>, task: &str, at: Duration) {
        let end = end.map_or("retrying", End::describe);
        let _ = writeln!(self.text, "ended {job} {end} {task} {:.3}", at.as_secs_f64());
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
        let _ = writeln!(
            self.text,
            "waited {task} {:.3} {:.3} {unfinished} {what}",
            since.as_secs_f64(),
            at.as_secs_f64()
        );
    }

    /// The end of the run: how every task ended, the jobs made, the watchdog's stop if any, the mistakes of
    /// the ledger, and the exit status. Returns the whole report.
    pub(crate) fn conclude(mut self, end: &RunEnd<'_>) -> String {
        for &(name, activity) in &end.tasks {
            let line = match activity {
                Activity::Busy => format!("task {name} busy"),
                Activity::Waiting { what, since } => format!("task {name} waiting {} {what}", seconds(since)),
                Activity::ShutDown { at } => format!("task {name} shut-down {}", seconds(at)),
                Activity::Stopped { at } => format!("task {name} stopped {}", seconds(at)),
            };
            let _ = writeln!(self.text, "{line}");
        }
        let _ = writeln!(self.text, "jobs {} made {}", end.jobs, end.jobs_made);
        match end.stall {
            Some((last_event, stopped_at, false)) => {
                let _ = writeln!(self.text, "stalled {} {}", seconds(last_event), seconds(stopped_at));
            }
            Some((last_event, stopped_at, true)) => {
                let _ =
                    writeln!(self.text, "stalled {} {} too-long", seconds(last_event), seconds(stopped_at));
            }
            None => {}
        }
        for mistake in end.mistakes {
            let _ = writeln!(self.text, "mistake {mistake}");
        }
        // One line each: the report is read a line at a time.
        for error in end.errors {
            let _ = writeln!(self.text, "error {}", error.replace('\n', " "));
        }
        let _ = writeln!(self.text, "status {}", end.status);
        self.text
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

fn seconds(at: Duration) -> String {
    Seconds(at).to_string().trim_end_matches('s').to_string()
}
