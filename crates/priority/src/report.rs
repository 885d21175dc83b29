//! PRIORITY: the report at the end of a run: how long the jobs of each priority waited in the queue.
//!
//! It keeps three numbers per priority (how many jobs, their total wait, the longest), not a list of every
//! wait, so that it stays the same size however many jobs a run has.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use lesson_support::Seconds;

use crate::Priority;

/// How long the jobs of each priority waited in the queue. Shared by every worker.
#[derive(Debug, Default)]
pub struct WaitsByPriority {
    by_priority: Mutex<BTreeMap<Priority, Waits>>,
}

/// The waits of the jobs of one priority.
#[derive(Debug, Default, Clone, Copy)]
struct Waits {
    jobs: u32,
    total: Duration,
    longest: Duration,
}

impl WaitsByPriority {
    /// Notes that a job of `priority` waited `waited` in the queue.
    pub fn record(&self, priority: Priority, waited: Duration) {
        let mut by_priority = self.by_priority.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let waits = by_priority.entry(priority).or_default();
        waits.jobs += 1;
        waits.total += waited;
        waits.longest = waits.longest.max(waited);
    }

    /// The table printed at the end of the run: for each priority, the jobs, the mean and the longest wait.
    pub fn table(&self) -> Vec<String> {
        let by_priority = self.by_priority.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut lines = vec!["Time in the queue, by priority:".to_string()];
        for (priority, waits) in by_priority.iter().rev() {
            lines.push(format!(
                "  {:<7} {:>3} jobs   mean {:>8}   longest {:>8}",
                priority.name(),
                waits.jobs,
                Seconds(waits.total / waits.jobs),
                Seconds(waits.longest)
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_mean_and_the_longest_wait_by_priority_highest_first() {
        let waits = WaitsByPriority::default();
        waits.record(Priority::Low, Duration::from_secs(3));
        waits.record(Priority::High, Duration::from_secs(1));
        waits.record(Priority::Low, Duration::from_secs(1));
        assert_eq!(
            waits.table(),
            [
                "Time in the queue, by priority:",
                "  high      1 jobs   mean   1.000s   longest   1.000s",
                "  low       2 jobs   mean   2.000s   longest   3.000s",
            ]
        );
    }
}
