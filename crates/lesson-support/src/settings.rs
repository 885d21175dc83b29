//! The flags every lesson takes: the course's command-line contract.
//!
//! Each flag checks its own value, so that a learner who types `--workers 0` is told in one line what is
//! accepted instead of watching a run that can never finish.

use std::time::Duration;

use clap::Args;

use crate::workload::Shape;

/// The largest `--jobs`: large enough for a scale experiment, small enough to finish.
pub const MAX_JOBS: usize = 10_000_000;
/// The largest `--workers`.
pub const MAX_WORKERS: usize = 10_000;
/// The largest `--queue-size`.
pub const MAX_QUEUE_SIZE: usize = 1_000_000;
/// The longest `--watchdog`, in seconds.
pub const MAX_WATCHDOG_SECONDS: usize = 3_600;
/// How many times faster than the wall clock a lesson on threads runs without `--real-time`: threads cannot
/// run on tokio's simulated clock, so their sleeps are this much shorter, and the times they print this much
/// longer, than the wall clock's.
pub const THREADS_SPEED_UP: u32 = 50;

/// The settings of one run, shared by every lesson.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Settings every lesson takes")]
pub struct Settings {
    /// How many jobs the producer makes.
    #[arg(long, value_name = "N", default_value_t = 20, allow_hyphen_values = true,
          value_parser = whole_number(0, MAX_JOBS))]
    pub jobs: usize,

    /// How many workers take jobs from the queue at the same time.
    #[arg(long, value_name = "N", default_value_t = 3, allow_hyphen_values = true,
          value_parser = whole_number(1, MAX_WORKERS))]
    pub workers: usize,

    /// How many jobs the queue holds before the producer has to wait; 0 means no limit, as in asyncio.
    #[arg(long, value_name = "N", default_value_t = 10, allow_hyphen_values = true,
          value_parser = whole_number(0, MAX_QUEUE_SIZE))]
    pub queue_size: usize,

    /// The seed of the workload: the same seed gives the same jobs and the same output, byte for byte.
    #[arg(long, value_name = "N", default_value_t = 1, allow_hyphen_values = true,
          value_parser = whole_number(0, u64::MAX))]
    pub seed: u64,

    /// The shape of the workload: steady (the seed lesson's), or one of the awkward shapes that `cargo xtask
    /// check` also runs lessons 1 to 7 on: pauses (1,000 s before every fifth job), bursts (eight jobs at once,
    /// 100 s apart), slow-job (job 3 a hundred times slower)
    #[arg(long, value_name = "SHAPE", value_enum, default_value_t = Shape::Steady, hide_possible_values = true,
          allow_hyphen_values = true)]
    pub workload: Shape,

    /// Run on the wall clock instead of the simulated one (a 4-second run then takes 4 seconds).
    #[arg(long)]
    pub real_time: bool,

    /// Print only the summary at the end: no heading, no events.
    #[arg(long)]
    pub quiet: bool,

    /// Print the whole run at once instead of at the pace of the simulated clock.
    // Refused beside --real-time: on the wall clock, a run takes its time whatever is printed.
    #[arg(long, conflicts_with = "real_time")]
    pub instant: bool,

    /// Draw a timeline after the run: who held which job when, the waits, and the queue's depth.
    #[arg(long)]
    pub timeline: bool,

    /// Write the timeline as an SVG picture to FILE.
    #[arg(long, value_name = "FILE")]
    pub timeline_svg: Option<std::path::PathBuf>,

    /// Record the timeline without drawing it, for tests that check what happened when.
    #[arg(skip)]
    pub record_timeline: bool,

    /// Whether the lesson runs its pipeline on OS threads (lesson 8), as its options say: it then runs on the
    /// wall clock, sped up [`THREADS_SPEED_UP`] times unless `--real-time`.
    #[arg(skip)]
    pub on_threads: bool,

    /// The longest a job can take with every retry its lesson allows, if that is more than two minutes (see
    /// [`run_time_limit`](Self::run_time_limit)), as the lesson's options say.
    #[arg(skip)]
    pub longest_job: Duration,

    /// Whether this run's workers take jobs that another program makes and puts in a shared queue (lesson 9's
    /// `--workers-only`), as the lesson's options say: the run makes no job itself, and its summary counts the
    /// jobs taken, not produced.
    #[arg(skip)]
    pub jobs_from_elsewhere: bool,

    /// Whether `--queue-size` was given on the command line, rather than left at its default: a lesson without
    /// a queue says that the flag has no meaning there.
    #[arg(skip)]
    pub queue_size_given: bool,

    /// Print what stays the same from run to run, sorted, instead of the transcript: the jobs, what each took,
    /// what every task said, and the accounting, without times or worker numbers.
    // What `cargo xtask check` compares with lessons 8 and 9's references (see `sorted.rs`). Shown in the
    // `--help` of those two lessons only: on the simulated clock, the transcript itself is the same every time.
    #[arg(long, hide = true)]
    pub sorted: bool,

    /// Write the facts of the run to FILE, for `cargo xtask check` (see `report.rs`). Not in `--help`: it is
    /// the runner's, not a learner's.
    #[arg(long, value_name = "FILE", hide = true)]
    pub report: Option<std::path::PathBuf>,

    /// Run the lesson once per worker count in LIST, on the same workload, and print a table of how long each
    /// took instead of the transcript: --sweep 1,2,3,5,10
    #[arg(long, value_name = "LIST", value_delimiter = ',', allow_hyphen_values = true,
          value_parser = whole_number(1, MAX_WORKERS))]
    pub sweep: Vec<usize>,

    /// Run the lesson once per queue size in LIST (0: no limit), on the same workload, and print a table of
    /// how long the producer waited for room instead of the transcript: --sweep-queue-sizes 0,1,2,5,10
    #[arg(long, value_name = "LIST", value_delimiter = ',', allow_hyphen_values = true,
          value_parser = whole_number(0, MAX_QUEUE_SIZE), conflicts_with = "sweep")]
    pub sweep_queue_sizes: Vec<usize>,

    /// Stop a run in which nothing has happened for this many seconds, and report who waits on what.
    // On threads and processes (lessons 8 and 9), seconds of real time: see `watchdog_limit`, and the help
    // that `run::parse` gives those lessons.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, allow_hyphen_values = true,
          value_parser = whole_number(1, MAX_WATCHDOG_SECONDS))]
    pub watchdog: usize,
}

impl Settings {
    /// Whether the run is on tokio's simulated clock: every run but a `--real-time` one, or one on threads.
    pub fn is_simulated(&self) -> bool {
        !self.real_time && !self.on_threads
    }

    /// How many times faster than the wall clock the run's clock goes: [`THREADS_SPEED_UP`] for a lesson on
    /// threads without `--real-time`, 1 otherwise (a simulated clock moves only when every task waits).
    pub fn speed_up(&self) -> u32 {
        if self.on_threads && !self.real_time { THREADS_SPEED_UP } else { 1 }
    }

    /// The clock's name, for the summary and the sweep.
    pub fn clock_name(&self) -> String {
        match (self.is_simulated(), self.speed_up()) {
            (true, _) => "simulated clock".to_string(),
            (false, 1) => "wall clock".to_string(),
            (false, speed_up) => format!("wall clock sped up {speed_up} times"),
        }
    }

    /// Checks what no single flag's parser can: flags that cannot be honoured together, and files that
    /// cannot be written. Each mistake is one line that names the flags.
    pub fn check(&self) -> Result<(), String> {
        if self.is_sweep() {
            let sweep = if self.sweep.is_empty() { "--sweep-queue-sizes" } else { "--sweep" };
            for (given, flag) in [
                (self.timeline, "--timeline"),
                (self.timeline_svg.is_some(), "--timeline-svg"),
                (self.report.is_some(), "--report"),
            ] {
                if given {
                    return Err(format!(
                        "the argument '{sweep}' cannot be used with '{flag}': a sweep makes several runs, and \
                         {flag} draws one; draw the run you want with --workers N"
                    ));
                }
            }
        }
        for (path, what) in [(&self.timeline_svg, "the timeline"), (&self.report, "the report")] {
            if let Some(path) = path {
                // Found out now, before the run, rather than after it: the file is created (empty) here.
                std::fs::File::create(path)
                    .map_err(|error| format!("cannot write {what} to {}: {error}", path.display()))?;
            }
        }
        Ok(())
    }

    /// Whether this is a sweep (`--sweep` or `--sweep-queue-sizes`), which prints a table, not a transcript.
    pub fn is_sweep(&self) -> bool {
        !self.sweep.is_empty() || !self.sweep_queue_sizes.is_empty()
    }

    /// The capacity to give `tokio::sync::mpsc::channel` for `--queue-size`.
    ///
    /// asyncio's `Queue(maxsize=0)` has no limit. tokio's bounded channel needs a capacity of at least one,
    /// so "no limit" becomes the largest capacity it accepts. The channel allocates memory for what is in
    /// it, not for its capacity, so this costs nothing until jobs pile up.
    pub fn queue_capacity(&self) -> usize {
        match self.queue_size {
            0 => tokio::sync::Semaphore::MAX_PERMITS,
            size => size,
        }
    }

    /// The longest a run may go on, on the lesson's clock, before the watchdog stops it as one that would never
    /// end: an hour, and two minutes for each job, or the longest a job can take with its retries
    /// ([`LessonOptions::longest_job`](crate::LessonOptions::longest_job)). A run of the course takes seconds:
    /// only a job retried without end, or its like, gets there. A run of workers only has no limit: it does
    /// not know how many jobs the program that makes them will make.
    pub fn run_time_limit(&self) -> Duration {
        if self.jobs_from_elsewhere {
            return Duration::MAX;
        }
        let per_job = self.longest_job.max(Duration::from_secs(120));
        let jobs = u32::try_from(self.jobs).unwrap_or(u32::MAX);
        per_job
            .checked_mul(jobs)
            .and_then(|all| all.checked_add(Duration::from_secs(3600)))
            .unwrap_or(Duration::MAX)
    }

    /// How long a run may go without any event before the watchdog stops it, on the run's clock.
    ///
    /// `--watchdog` counts seconds of real time on a clock that is sped up: the run's clock counts
    /// [`speed_up`](Self::speed_up) of its seconds for each of them. Counted on the run's own clock, ten
    /// seconds would be a fifth of a second of wall time, which a loaded machine can spend starting a thread
    /// or printing a backtrace, and the watchdog would stop a healthy run.
    ///
    /// A silence no longer than the workload's longest job is no stall either: with `--workload slow-job`, the
    /// others may be done while the slow job goes on for a minute and more, retried or not.
    pub fn watchdog_limit(&self) -> Duration {
        (Duration::from_secs(self.watchdog as u64) * self.speed_up()).max(self.workload.longest_processing())
    }
}

/// A value parser for a whole number from `min` to `max`, whose error names the accepted range. Lessons use
/// it for their own flags, so that every mistake reads the same.
pub fn whole_number<T>(min: T, max: T) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy + Send + Sync + 'static,
{
    move |text: &str| {
        let expected = || format!("expected a whole number from {min} to {max}");
        let value: T = text.trim().parse().map_err(|_| expected())?;
        if value < min || value > max {
            return Err(expected());
        }
        Ok(value)
    }
}

/// A value parser for a probability, from 0 to 1 (`--fail-rate`).
pub fn probability(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err("expected a probability from 0 to 1, such as 0.3".to_string()),
    }
}

/// A value parser for a moment or a length of time in seconds, from 0 to an hour, such as 2.5 (`--cancel-at`,
/// `--kill-worker-at`).
pub fn seconds(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=3_600.0).contains(&value) => Ok(Duration::from_secs_f64(value)),
        _ => Err("expected seconds from 0 to 3600, such as 2.5".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_and_seconds_name_their_range_when_refused() {
        assert_eq!(probability("0.3"), Ok(0.3));
        assert_eq!(seconds("2.5"), Ok(Duration::from_millis(2_500)));
        assert_eq!(probability("1"), Ok(1.0));
        for bad in ["-0.1", "1.5", "abc", "NaN", ""] {
            assert_eq!(
                probability(bad),
                Err("expected a probability from 0 to 1, such as 0.3".into()),
                "{bad:?}"
            );
        }
        for bad in ["-1", "3601", "abc", "NaN"] {
            assert_eq!(seconds(bad), Err("expected seconds from 0 to 3600, such as 2.5".into()), "{bad:?}");
        }
    }

    #[test]
    fn whole_number_accepts_the_range_and_names_it_otherwise() {
        let parse = whole_number(1usize, 10);
        assert_eq!(parse("1"), Ok(1));
        assert_eq!(parse("10"), Ok(10));
        let error = Err("expected a whole number from 1 to 10".to_string());
        for bad in ["0", "11", "-1", "abc", "", "2.5"] {
            assert_eq!(parse(bad), error, "{bad:?} should be refused");
        }
    }

    #[test]
    fn the_watchdog_counts_real_seconds_on_a_sped_up_clock() {
        let mut settings = crate::testing::default_settings();
        assert_eq!(settings.watchdog_limit(), Duration::from_secs(10));
        settings.on_threads = true;
        assert_eq!(settings.watchdog_limit(), Duration::from_secs(10) * THREADS_SPEED_UP);
        settings.real_time = true;
        assert_eq!(settings.watchdog_limit(), Duration::from_secs(10));
    }

    #[test]
    fn queue_size_zero_means_no_limit() {
        let mut settings = crate::testing::default_settings();
        settings.queue_size = 0;
        assert_eq!(settings.queue_capacity(), tokio::sync::Semaphore::MAX_PERMITS);
        settings.queue_size = 1;
        assert_eq!(settings.queue_capacity(), 1);
    }
}
