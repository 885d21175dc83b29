//! The explorer: the lessons' hand-written queues, run under thousands of task orderings.
//!
//! Every run of a lesson is deterministic: a seed fixes the workload, and the simulated clock on one thread
//! fixes the order in which the tasks take turns. That is what makes its output a reference, and it is also a
//! blind spot: a run tests exactly one ordering. On a multi-threaded runtime, two workers really run at once,
//! and a queue that is right in one ordering can lose a wake-up or an item in another. A lucky fix passes the
//! deterministic run; it does not pass this.
//!
//! [shuttle](https://github.com/awslabs/shuttle) runs a small program again and again, each time choosing
//! differently which task goes on at every point where tasks meet (a channel, a lock, a `Notify`). The
//! explorer gives it the lessons' own queue files, compiled against shuttle's tokio, and small scenarios
//! around them, each with a promise: every item taken once, `join()` only when everything is done, nobody left
//! waiting. A broken promise comes back as a story, in the scenario's words, and as a string that replays the
//! very ordering that broke it. `cargo xtask explore N` runs it.
//!
//! - [`cli`]: the command line.
//! - [`queues`]: the lessons' queue files, included as they are.
//! - [`scenarios`]: the programs and their promises.
//! - [`board`]: what each task of a scenario is doing, for the story of a failure.
//! - [`exploration`]: shuttle's schedulers, the orderings, and replay.
//! - [`report`]: the verdict, in the course's words.

// The lessons' queue files carry unit tests of their own, written for the real tokio: compiled here in test
// mode (as `cargo clippy --all-targets` does) they would not build. This library has no tests of its own
// (`test = false` in its Cargo.toml; the explorer's tests are in `tests/`), so in test mode it is empty.
#![cfg(not(test))]

pub mod board;
pub mod cli;
pub mod exploration;
pub mod queues;
pub mod report;
pub mod scenarios;
