//! The course runner, `cargo xtask`. It reads the lessons from `lessons/list.txt` and runs them.
//!
//! - [`lessons`]: the list of lessons, and what the runner reads from their texts;
//! - [`commands`]: what each command does.

pub mod commands;
pub mod lessons;
