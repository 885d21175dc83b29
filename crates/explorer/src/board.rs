//! What each task of a scenario is doing, for the story of a failure.
//!
//! When shuttle finds an ordering in which the tasks can go no further, it says which of its tasks are
//! blocked, by number. The course says it in the scenario's words instead: every task of a scenario writes
//! on this board what it is doing ("waits in get()", "dropped its sender: the queue is closed"), and when an
//! ordering fails, the board of that ordering is the story.
//!
//! Shuttle runs the tasks of an ordering one at a time, on one thread, and switches between them only inside
//! the calls it models (a channel, a lock, a `Notify`). The board is the thread's own, and writing on it is
//! not such a call: it adds no ordering of its own.

use std::cell::RefCell;
use std::future::Future;

thread_local! {
    /// The board of the ordering being explored: each task's name, and what it is doing, in the order the
    /// tasks first wrote on it. Shuttle runs every task of an ordering on the thread that explores it, each on
    /// a stack of its own, so the board is the thread's.
    static BOARD: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `write` on the board.
fn with_board<R>(write: impl FnOnce(&mut Vec<(String, String)>) -> R) -> R {
    BOARD.with(|board| write(&mut board.borrow_mut()))
}

/// Wipes the board, for a new ordering.
pub fn wipe() {
    with_board(Vec::clear);
}

/// Writes on the board that `task` is now doing `what`.
pub fn note(task: &str, what: impl Into<String>) {
    let what = what.into();
    with_board(|board| match board.iter_mut().find(|(name, _)| name == task) {
        Some((_, doing)) => *doing = what,
        None => board.push((task.to_string(), what)),
    });
}

/// Awaits `future`, with the board saying meanwhile that `task` waits in `call` (`"get()"`).
pub async fn waits_in<F: Future>(task: &str, call: &str, future: F) -> F::Output {
    note(task, format!("waits in {call}"));
    future.await
}

/// Marks `task` on the board as the one that panicked, if it unwinds before the mark is dropped: hold the mark
/// for the whole of the task's body.
pub fn mark(task: &str) -> Mark {
    Mark { task: task.to_string() }
}

/// See [`mark`].
#[derive(Debug)]
pub struct Mark {
    task: String,
}

impl Drop for Mark {
    fn drop(&mut self) {
        if std::thread::panicking() {
            with_board(|board| {
                if let Some((_, doing)) = board.iter_mut().find(|(name, _)| *name == self.task) {
                    *doing = format!("{doing}: PANICKED here");
                }
            });
        }
    }
}

/// The board as it is now.
pub fn read() -> Vec<(String, String)> {
    with_board(|board| board.clone())
}
