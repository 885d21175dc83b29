//! `.watched(&task, "what")`: the one instrument a lesson puts on an `.await`.
//!
//! A lesson's code awaits tokio's futures as it would anywhere: `sender.send(job)`, `receiver.recv()`, a
//! `JoinHandle`. When the wait depends on another task, the lesson adds `.watched(&task, "what it waits
//! for")` after the future and before `.await`:
//!
//! ```ignore
//! sender.send(Message::Job(job)).watched(&task, "room in the queue").await
//! ```
//!
//! The future is the same and gives the same output; meanwhile the task's log says what the task waits for.
//! That is how the watchdog can name who waits on what when a run is stuck, and how the summary adds up the
//! time spent waiting. A timer is never watched: it always ends by itself.

use std::future::Future;

use crate::harness::TaskLog;

/// Adds [`Watched::watched`] to every future.
pub trait Watched: Future + Sized {
    /// Awaits this future, noting meanwhile in `task`'s log that the task waits for `what`.
    fn watched(self, task: &TaskLog, what: &'static str) -> impl Future<Output = Self::Output>;
}

impl<F: Future> Watched for F {
    fn watched(self, task: &TaskLog, what: &'static str) -> impl Future<Output = F::Output> {
        task.wait_for(what, self)
    }
}
