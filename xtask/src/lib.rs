//! The course runner, `cargo xtask`. It reads the lessons from `lessons/list.txt`, runs them, and checks
//! them. One module per command, and the pieces they share:
//!
//! - [`cli`]: the command line;
//! - [`list`], [`lesson`], [`diff`], [`sweep`], [`explore`], [`check`], [`watch`], [`hint`], [`quiz`],
//!   [`reset`], [`exercises`], [`bless`], [`bench`], [`stress`], [`book`], [`doctor`]: the commands, each with
//!   its `run`;
//! - [`items`]: the Python lesson's 21 items, and what checks each;
//! - [`progress`]: the exercises and lessons done, and the hints shown, kept between runs;
//! - [`lessons`]: the list of lessons, and what the runner reads from their texts;
//! - [`catalogue`]: a lesson's exercises, its runs for the self-check, and its breaks;
//! - the facts a lesson's run reports (`--report`) are read back with the crate that writes them,
//!   `run_report`, so that the format is defined once;
//! - [`guarantees`]: what a correct run guarantees, and the sentence for each broken guarantee;
//! - [`failure`]: why a command stopped, and the exit status that says so;
//! - [`workspace`]: building and running the lessons, in the course or in a copy of it;
//! - [`interrupt`]: Ctrl-C, which goes to the lesson while the runner waits.

pub mod bench;
pub mod bless;
pub mod book;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod diff;
pub mod doctor;
pub mod exercises;
pub mod explore;
pub mod failure;
pub mod guarantees;
pub mod hint;
pub mod interrupt;
pub mod items;
pub mod lesson;
pub mod lessons;
pub mod list;
pub mod progress;
pub mod quiz;
pub mod reset;
pub mod stress;
pub mod sweep;
pub mod watch;
pub mod workspace;
