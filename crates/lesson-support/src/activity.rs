//! What a task of a run is doing: busy, waiting for another task, or ended. The harness keeps one per task;
//! the summary, the watchdog's report and the run's report read it.

use std::time::Duration;

use crate::clock::Seconds;

/// What a task is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    /// Running, or sleeping on a timer (which always ends).
    Busy,
    /// Waiting for something that only another task can give it.
    Waiting { what: &'static str, since: Duration },
    /// Ended cleanly, after saying so.
    ShutDown { at: Duration },
    /// Ended without shutting down: an error or a panic ended its task.
    Stopped { at: Duration },
}

impl Activity {
    /// The activity in words, for reports: "waiting since 4.511s for the next message".
    pub(crate) fn describe(&self) -> String {
        match self {
            Activity::Busy => "busy, but not waiting on any other task".to_string(),
            Activity::Waiting { what, since } => {
                format!("waiting since {} for {what}", Seconds(*since))
            }
            Activity::ShutDown { at } => format!("shut down at {}", Seconds(*at)),
            Activity::Stopped { at } => {
                format!("stopped at {} without shutting down", Seconds(*at))
            }
        }
    }
}
