//! The places of a pool that has no tasks of its own: lesson 6's `buffer_unordered(n)` runs at most `n` jobs at
//! once, inside one task, and no worker task exists to give a job's lines a name.
//!
//! So the course names the `n` places of the pool, `Worker-1` to `Worker-n`, each with a task log of its own:
//! a job takes the free place with the smallest number when it starts and gives it back when it ends. Then the
//! transcript, the timeline and the summary read as in the lessons with worker tasks, and they show how full
//! the pool is kept.

use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::harness::{Harness, TaskLog};

/// The `n` places of a pool, each with its task log. Cheap to clone into every job.
#[derive(Debug, Clone)]
pub struct Places {
    logs: Arc<Mutex<Vec<Option<TaskLog>>>>,
}

/// A place of the pool, taken by one job: its task log, until the job gives it back by dropping it.
#[derive(Debug)]
pub struct Place {
    places: Places,
    index: usize,
    log: Option<TaskLog>,
}

impl Harness {
    /// The `count` places of a pool, named `{kind}-1` to `{kind}-{count}`.
    pub fn places(&self, kind: &str, count: usize) -> Places {
        let logs = (1..=count).map(|number| Some(self.task_log(format!("{kind}-{number}")))).collect();
        Places { logs: Arc::new(Mutex::new(logs)) }
    }
}

impl Places {
    /// Takes the free place with the smallest number. The pool never runs more jobs than it has places, so
    /// one is always free; if none were, the pool itself would be wrong, and this panics.
    pub fn take(&self) -> Place {
        let mut logs = self.lock();
        let index =
            logs.iter().position(Option::is_some).expect("the pool runs no more jobs than it has places");
        let log = logs[index].take();
        Place { places: self.clone(), index, log }
    }

    /// Notes that every place shut down cleanly: the pool is done. Call it once every job has ended.
    pub fn shut_down(self) {
        let logs = std::mem::take(&mut *self.lock());
        for log in logs.into_iter().flatten() {
            log.shut_down();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Option<TaskLog>>> {
        self.logs.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Deref for Place {
    type Target = TaskLog;

    fn deref(&self) -> &TaskLog {
        self.log.as_ref().expect("a place holds its log until it is dropped")
    }
}

impl Drop for Place {
    /// Gives the place back to the pool, for the next job.
    fn drop(&mut self) {
        let log = self.log.take();
        self.places.lock()[self.index] = log;
    }
}
