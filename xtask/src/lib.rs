//! The course runner, `cargo xtask`. It reads the lessons from `lessons/list.txt` and runs them.
//!
//! - [`lessons`]: the list of lessons, and what the runner reads from their texts;
//! - [`cli`]: the command line;
//! - [`commands`]: what each command does;
//! - [`diff`]: the source and output diffs of `cargo xtask diff`;
//! - [`check`]: the verdicts of `cargo xtask check`;
//! - [`reset`]: saving a learner's changes, then putting a lesson back;
//! - [`bench`]: the figures of `cargo xtask bench`.

pub mod bench;
pub mod check;
pub mod cli;
pub mod commands;
pub mod diff;
pub mod lessons;
pub mod reset;
