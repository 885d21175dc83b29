//! The plumbing every lesson of the course shares, so that a lesson's crate holds only the lesson.
//!
//! A lesson is an `async fn(Harness, Options)`. Its binary's `main` is one call to [`main`], and its tests
//! call [`capture`]. Everything else here is what those two need:
//!
//! What a lesson's code uses is re-exported here: [`Harness`], [`TaskLog`], [`Watched`], [`Job`], and the
//! flags' types. The modules, in the order a run meets them:
//!
//! - [`settings`]: the flags every lesson takes (`--jobs`, `--workers`, `--queue-size`, `--seed`, ...);
//! - `lesson`: what a lesson's program says about itself ([`Lesson`]);
//! - `run`: from a command line to an exit status, for a binary ([`main`]) or a test ([`capture`]);
//! - [`clock`]: the simulated clock that makes runs fast and reproducible, or the wall clock;
//! - [`workload`]: each job's times, drawn from the seed;
//! - [`failures`]: `--fail-job` and `--panic-job`, failures on demand;
//! - `harness`: what a lesson holds on to, and the log of each of its tasks: to print, to account for jobs,
//!   to say what they wait for;
//! - `watched`: `.watched(&task, "what")`, the one instrument on an `.await`;
//! - `places`: the named places of a pool that has no worker tasks (lesson 6's stream);
//! - `transcript`: the timed lines a run prints;
//! - `ledger`: what became of every job;
//! - `watchdog`: ends a stuck run with a report instead of a hang;
//! - `activity`: what each task is doing, busy, waiting or ended;
//! - `summary`: the accounting at the end of every run, and the exit status;
//! - `exit`: the exit statuses, and what the program notes on the way (a panic nobody caught, Ctrl-C);
//! - `report`: the facts of a run, for `cargo xtask check`;
//! - [`sweep`]: the same workload with several worker counts, in a table;
//! - [`timeline`]: who held which job when, as a chart;
//! - `testing`: helpers for the lessons' tests, behind the feature `testing`, which only their
//!   dev-dependencies turn on (some of them write files, when `cargo xtask bless` asks).

mod activity;
pub mod clock;
mod exit;
pub mod failures;
mod harness;
mod ledger;
mod lesson;
mod places;
mod report;
mod run;
pub mod settings;
mod sorted;
mod summary;
pub mod sweep;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod timeline;
mod transcript;
mod watchdog;
mod watched;
pub mod workload;

pub use clock::Seconds;
pub use failures::{Failures, JobError, panic_message};
pub use harness::{Harness, TaskLog};
pub use lesson::Lesson;
pub use places::{Place, Places};
pub use run::{LessonOptions, NoOptions, capture, main, one_line_mistake};
pub use settings::Settings;
pub use sorted::sorted_view;
pub use watched::Watched;
pub use workload::{Job, JobName, Shape, Slot, Workload};
