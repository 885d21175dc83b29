//! A sweep: the same lesson on the same workload, once per worker count, and a table of the results.
//!
//! The table answers the Python lesson's "change the number of workers from 3 to 1, then to 10: how does
//! speed change?" with every figure at once, and with the figure no pool of that size could beat.

use std::time::Duration;

use crate::clock::Seconds;
use crate::lesson::Lesson;
use crate::settings::Settings;
use crate::workload::Workload;

/// One run of a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    /// How many workers the run had.
    pub(crate) workers: usize,
    /// How many jobs its queue held (0: no limit).
    pub(crate) queue_size: usize,
    /// How long it took, on its clock.
    pub(crate) elapsed: Duration,
    /// How long its producer waited in all for room in the queue.
    pub(crate) producer_waited: Duration,
    /// Whether the watchdog had to stop it.
    pub(crate) stalled: bool,
    /// Whether Ctrl-C interrupted it.
    pub(crate) interrupted: bool,
    /// Its exit status.
    pub(crate) status: u8,
}

impl Row {
    /// Whether the run finished its work: every job accounted for and every task shut down. Only then are
    /// its elapsed time and its efficiency the figures of the workload; a stuck, interrupted or failed run
    /// ended early, or lost jobs, and its times say nothing of how fast the work goes.
    pub(crate) fn finished(&self) -> bool {
        self.status == 0
    }

    /// Why the run did not finish, in words, for the table.
    fn why_unfinished(&self) -> String {
        if self.interrupted {
            "interrupted by Ctrl-C".to_string()
        } else if self.stalled {
            format!("stopped by the watchdog at {}", Seconds(self.elapsed))
        } else {
            format!("exit status {}: not every job was accounted for", self.status)
        }
    }
}

/// The three limits that no schedule can beat, for a workload and a number of workers. The run cannot end
/// before the largest of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowerBound {
    /// All the processing, shared perfectly among the workers.
    pub work: Duration,
    /// The longest single job: one worker must do it all.
    pub longest_job: Duration,
    /// The producer's pace: the last job cannot start before it is made, nor end before it is processed.
    pub producer: Duration,
}

impl LowerBound {
    /// The limits of `jobs` jobs of `workload` with `workers` workers.
    pub fn of(workload: &Workload, jobs: usize, workers: usize) -> LowerBound {
        let mut total_work = Duration::ZERO;
        let mut longest_job = Duration::ZERO;
        let mut made = Duration::ZERO;
        let mut producer = Duration::ZERO;
        for number in 1..=jobs {
            let job = workload.job(number);
            total_work += job.processing_time;
            longest_job = longest_job.max(job.processing_time);
            made += job.production_time;
            // Any job, not only the last, ends no sooner than it is made plus processed.
            producer = producer.max(made + job.processing_time);
        }
        LowerBound { work: total_work / workers.max(1) as u32, longest_job, producer }
    }

    /// The bound itself: the largest limit.
    pub fn value(&self) -> Duration {
        self.work.max(self.longest_job).max(self.producer)
    }

    /// Which limit binds, in words.
    pub fn binding(&self) -> &'static str {
        if self.value() == self.producer {
            "the producer"
        } else if self.value() == self.work {
            "the work"
        } else {
            "the longest job"
        }
    }
}

/// How many characters the longest bar has.
const BAR_WIDTH: usize = 24;

/// The sweep's table, with a line on how to read it.
pub(crate) fn render(about: Lesson, settings: &Settings, rows: &[Row]) -> String {
    let workload = Workload::shaped(settings.seed, settings.workload);
    let queue = match settings.queue_size {
        0 => "no limit".to_string(),
        size => size.to_string(),
    };
    let clock = settings.clock_name();
    let mut text = format!(
        "Sweep of {} over the number of workers (jobs {}, queue size {queue}, seed {}, {clock})\n\n",
        about.name, settings.jobs, settings.seed
    );
    text.push_str("workers   elapsed  speed-up  lower bound  bound by         efficiency\n");
    let one_worker = rows.iter().find(|row| row.workers == 1 && row.finished()).map(|row| row.elapsed);
    let longest = rows.iter().filter(|row| row.finished()).map(|row| row.elapsed).max().unwrap_or_default();
    for row in rows {
        let bound = LowerBound::of(&workload, settings.jobs, row.workers);
        if !row.finished() {
            let line = format!(
                "{:>7} {:>9} {:>9} {:>12}  {:<16} {:>10}  {}",
                row.workers,
                "-",
                "-",
                Seconds(bound.value()).to_string(),
                bound.binding(),
                "-",
                row.why_unfinished()
            );
            text.push_str(&line);
            text.push('\n');
            continue;
        }
        let speed_up = match one_worker {
            Some(one) if !row.elapsed.is_zero() => {
                format!("{:.2}x", one.as_secs_f64() / row.elapsed.as_secs_f64())
            }
            _ => "-".to_string(),
        };
        // A run that did all the work cannot beat the bound, so the efficiency is at most 100%.
        let efficiency = if row.elapsed.is_zero() {
            "-".to_string()
        } else {
            format!("{:.0}%", 100.0 * bound.value().as_secs_f64() / row.elapsed.as_secs_f64())
        };
        let bar_length = if longest.is_zero() {
            0
        } else {
            (BAR_WIDTH as f64 * row.elapsed.as_secs_f64() / longest.as_secs_f64()).round() as usize
        };
        text.push_str(&format!(
            "{:>7} {:>9} {:>9} {:>12}  {:<16} {:>10}  {}\n",
            row.workers,
            Seconds(row.elapsed).to_string(),
            speed_up,
            Seconds(bound.value()).to_string(),
            bound.binding(),
            efficiency,
            "█".repeat(bar_length),
        ));
    }
    let bound = LowerBound::of(&workload, settings.jobs, 1);
    text.push_str(&format!(
        "\nThe lower bound is the largest of: all the work ({}) shared by the workers; the longest job ({}); and\n\
         the producer's pace, the time to make a job plus its processing, at most {}. Efficiency is the bound\n\
         divided by the elapsed time: 100% is a schedule that no pool of that size can beat.\n",
        Seconds(bound.work),
        Seconds(bound.longest_job),
        Seconds(bound.producer),
    ));
    text
}

/// The table of a sweep over queue sizes: how long each run took, and how long its producer waited for room.
pub(crate) fn render_queue_sizes(about: Lesson, settings: &Settings, rows: &[Row]) -> String {
    let clock = settings.clock_name();
    let mut text = format!(
        "Sweep of {} over the queue size (jobs {}, workers {}, seed {}, {clock})\n\n",
        about.name, settings.jobs, settings.workers, settings.seed
    );
    text.push_str("queue size   elapsed  producer waited for room\n");
    let longest_wait =
        rows.iter().filter(|row| row.finished()).map(|row| row.producer_waited).max().unwrap_or_default();
    for row in rows {
        let size = match row.queue_size {
            0 => "no limit".to_string(),
            size => size.to_string(),
        };
        let bar_length = if longest_wait.is_zero() || !row.finished() {
            0
        } else {
            (BAR_WIDTH as f64 * row.producer_waited.as_secs_f64() / longest_wait.as_secs_f64()).round()
                as usize
        };
        let line = if row.finished() {
            format!(
                "{size:>10} {:>9} {:>10}  {}",
                Seconds(row.elapsed).to_string(),
                Seconds(row.producer_waited).to_string(),
                "█".repeat(bar_length),
            )
        } else {
            format!("{size:>10} {:>9} {:>10}  {}", "-", "-", row.why_unfinished())
        };
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text.push_str(
        "\nA smaller queue makes the producer wait for room sooner and longer: backpressure. Compare the elapsed\n\
         column: while the workers are the bottleneck, the queue's size changes who waits, not how long the\n\
         work takes.\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_the_largest_limit() {
        let workload = Workload::new(1);
        let one = LowerBound::of(&workload, 20, 1);
        let many = LowerBound::of(&workload, 20, 100);
        assert_eq!(one.value(), one.work, "one worker is bound by the work");
        assert_eq!(one.binding(), "the work");
        assert_eq!(many.value(), many.producer, "a hundred workers wait for the producer");
        assert_eq!(many.binding(), "the producer");
        assert_eq!(one.longest_job, many.longest_job, "the longest job does not depend on the workers");
    }

    #[test]
    fn no_jobs_means_no_bound() {
        assert_eq!(LowerBound::of(&Workload::new(1), 0, 3).value(), Duration::ZERO);
    }
}
