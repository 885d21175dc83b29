//! Lesson 8's hand-written queue, under loom.
//!
//! A test of threads runs one interleaving of them, whichever the operating system happens to choose: a lost
//! wake-up that needs one thread to run between two lines of another shows up once in a million runs, or
//! never. [loom](https://github.com/tokio-rs/loom) runs a test again and again, once for every interleaving of
//! its threads at every point where they meet (a lock, a condition variable, an atomic), up to a bound, and
//! fails on the first one that breaks an assertion or leaves every thread asleep.
//!
//! This crate compiles lesson 8's `queue.rs`, unchanged, with loom's `Mutex`, `Condvar` and `Arc` in place of
//! std's (the [`sync`] module below is the swap). `cargo xtask explore 8` runs the tests in `tests/`, with `--cfg loom`.

// Without `--cfg loom` (see Cargo.toml), there is no loom to compile the queue against: the library is empty.
// The queue file's unit tests are written for std's threads: compiled here in test mode (as
// `cargo clippy --all-targets` does), they would not build, so in test mode this library is empty too.
#![cfg(all(loom, not(test)))]

/// The primitives the queue takes from `crate::sync`: loom's, here.
pub mod sync {
    pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
}

/// Lesson 8's queue, as it is in `crates/threads/src/queue.rs`.
#[path = "../../threads/src/queue.rs"]
pub mod queue;
