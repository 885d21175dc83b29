//! The plumbing every lesson of the course shares, so that a lesson's crate holds only the lesson.
//!
//! A lesson is an `async fn(Harness, Options)`. Its binary's `main` is one call to [`main`], and its tests
//! call [`capture`]. Everything else here is what those two need:
//!
//! - [`settings`]: the flags every lesson takes (`--jobs`, `--workers`, `--queue-size`, `--seed`, ...);
//! - [`clock`]: the simulated clock that makes runs fast and reproducible, or the wall clock;
//! - [`workload`]: each job's times, drawn from the seed;
//! - [`failures`]: `--fail-job` and `--panic-job`, failures on demand;
//! - [`transcript`]: the timed lines a run prints;
//! - [`harness`]: what a lesson holds on to, and the log of each of its tasks: to print, to account for jobs,
//!   to say what they wait for;
//! - [`watched`]: `.watched(&task, "what")`, the one instrument on an `.await`;
//! - [`ledger`]: what became of every job;
//! - [`watchdog`]: ends a stuck run with a report instead of a hang;
//! - [`summary`]: the accounting at the end of every run, and the exit status;
//! - [`run`]: from a command line to an exit status;
//! - [`sweep`]: the same workload with several worker counts, in a table;
//! - [`timeline`]: who held which job when, as a chart;
//! - [`testing`]: helpers for the lessons' tests.

pub mod clock;
pub mod failures;
pub mod harness;
pub mod ledger;
mod report;
pub mod run;
pub mod settings;
pub mod summary;
pub mod sweep;
pub mod testing;
pub mod timeline;
pub mod transcript;
pub mod watchdog;
pub mod watched;
pub mod workload;

pub use clock::Seconds;
pub use failures::{Failures, JobError, panic_message};
pub use harness::{Harness, TaskLog};
pub use run::{Lesson, LessonOptions, NoOptions, capture, main};
pub use settings::Settings;
pub use watched::Watched;
pub use workload::{Job, JobName, Slot, Workload};
