//! The lessons' own queue files, compiled here a second time, unchanged, against shuttle's tokio.
//!
//! Each file says `use tokio::sync::...`; in this crate the crate called `tokio` is `explorer-tokio`, whose
//! channels, locks and `Notify` are shuttle's. So the code explored is the code the learner edits: a change to
//! `crates/priority/src/queue.rs` is explored the next time `cargo xtask explore 4` runs.

/// Lesson 3's queue: a tokio channel, with `join()` and a receipt that marks an item done when dropped.
#[path = "../../fixed-join/src/queue.rs"]
pub mod lesson_3;

/// Lesson 4's queue: written by hand, with a lock, two `Notify`s, and priorities.
#[path = "../../priority/src/queue.rs"]
pub mod lesson_4;

/// Lesson 5's queue: lesson 3's, with a weak sender for retries.
#[path = "../../dead-letter/src/queue.rs"]
pub mod lesson_5;
