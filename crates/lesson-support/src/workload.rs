//! The workload: how long each job takes to make and to process, drawn from the seed.
//!
//! Every job draws its numbers from a random stream of its own, chosen by the seed and the job's number.
//! So a job takes the same time however many workers there are and in whatever order they run: `--workers 1`
//! and `--workers 10` compare the same work, which is the whole point of the experiment.

use std::fmt;
use std::time::Duration;

use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// How long the producer may take to make one job, in milliseconds (the seed lesson's 0.05–0.15 s).
pub const PRODUCTION_MILLIS: std::ops::RangeInclusive<u64> = 50..=150;
/// How long a worker may take to process one job, in milliseconds (the seed lesson's 0.2–1.0 s).
pub const PROCESSING_MILLIS: std::ops::RangeInclusive<u64> = 200..=1_000;

/// How many words of a job's random stream each slot owns: far more than any lesson draws from one.
const WORDS_PER_SLOT: u128 = 1 << 16;

/// A place in a job's random stream that belongs to one kind of draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The job's priority (lesson 4).
    Priority,
    /// Whether attempt number `n` (from 1) of the job fails (lesson 5).
    Attempt(u32),
}

impl Slot {
    fn index(self) -> u128 {
        match self {
            Slot::Priority => 0,
            Slot::Attempt(attempt) => 1 + u128::from(attempt),
        }
    }
}

/// One unit of work: what the producer puts on the queue and a worker takes off it.
///
/// A job is a few numbers, so it is `Copy`: handing one to a task costs no more than handing it an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// The job's number, from 1.
    pub number: usize,
    /// The start of the job's name: `process_item`, as in the seed lesson (lesson 3's batch says `batch_item`).
    pub kind: &'static str,
    /// How long the producer takes to make this job before it can put it on the queue.
    pub production_time: Duration,
    /// How long a worker takes to process this job.
    pub processing_time: Duration,
}

impl Job {
    /// The job's name, as the seed lesson prints it: `process_item_1`. It is written out only when it is
    /// printed, so that a run with `--quiet` spends no time on names.
    pub fn name(&self) -> JobName {
        JobName::new(self.kind, self.number)
    }
}

/// A job's name, ready to be printed: `process_item_1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobName {
    kind: &'static str,
    number: usize,
}

impl JobName {
    /// The name of job `number` of a run whose names start with `kind`.
    pub(crate) fn new(kind: &'static str, number: usize) -> JobName {
        JobName { kind, number }
    }
}

impl fmt::Display for JobName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match formatter.width() {
            // A column of names (`{:<18}`) needs the whole name to pad it.
            Some(_) => formatter.pad(&format!("{}_{}", self.kind, self.number)),
            None => write!(formatter, "{}_{}", self.kind, self.number),
        }
    }
}

/// The shape of a workload (`--workload`): the seed lesson's steady stream of jobs, or one of the awkward
/// shapes that `cargo xtask check` also runs lessons 1 to 7 on, so that a fix tuned to the steady stream (a
/// worker that gives up after a few seconds without a job, a count of 20 jobs written into the code) is
/// caught. On the simulated clock, a pause of a thousand seconds costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Shape {
    /// The seed lesson's: each job takes 0.05–0.15 s to make and 0.2–1.0 s to process.
    #[default]
    Steady,
    /// The producer stops for 1,000 s before every fifth job: far longer than any timeout a worker might
    /// wait for its next job.
    Pauses,
    /// Jobs come eight at once, with no time between them, and 100 s pass between two bursts.
    Bursts,
    /// Job 3 takes a hundred times longer to process than it would: 20 to 100 s.
    SlowJob,
}

impl Shape {
    /// The producer's pause before every fifth job (`--workload pauses`).
    pub const PAUSE: Duration = Duration::from_secs(1_000);
    /// The time between two bursts (`--workload bursts`).
    pub const BETWEEN_BURSTS: Duration = Duration::from_secs(100);
    /// The jobs of a burst (`--workload bursts`).
    pub const BURST: usize = 8;
    /// The job that is slow (`--workload slow-job`).
    pub const SLOW_JOB: usize = 3;
    /// How many times longer the slow job takes (`--workload slow-job`).
    pub const SLOW_JOB_TIMES_LONGER: u32 = 100;

    /// The longest any job of this shape can take to process: what the watchdog must not take for a stall.
    pub fn longest_processing(self) -> Duration {
        let longest = Duration::from_millis(*PROCESSING_MILLIS.end());
        match self {
            Shape::SlowJob => longest * Shape::SLOW_JOB_TIMES_LONGER,
            _ => longest,
        }
    }
}

/// The jobs of a run, each one a pure function of the seed, the shape and the job's number.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    seed: u64,
    shape: Shape,
}

impl Workload {
    /// The workload of `--seed seed`, steady.
    pub fn new(seed: u64) -> Workload {
        Workload { seed, shape: Shape::Steady }
    }

    /// The workload of `--seed seed --workload shape`.
    pub fn shaped(seed: u64, shape: Shape) -> Workload {
        Workload { seed, shape }
    }

    /// Job `number` (from 1) of this workload.
    pub fn job(&self, number: usize) -> Job {
        let mut random = self.random_stream(number);
        // The order of these draws is part of the workload: add new draws after them, never between,
        // so that adding a property to jobs leaves every earlier property as it was.
        let mut production_time = Duration::from_millis(random.random_range(PRODUCTION_MILLIS));
        let mut processing_time = Duration::from_millis(random.random_range(PROCESSING_MILLIS));
        // A shape changes the times drawn, never the draws: job 4 of `--workload pauses` is job 4 of the
        // steady workload, and so is every job's processing time but the slow one's.
        match self.shape {
            Shape::Steady => {}
            Shape::Pauses if number.is_multiple_of(5) => production_time = Shape::PAUSE,
            Shape::Pauses => {}
            Shape::Bursts if number > 1 && number % Shape::BURST == 1 => {
                production_time = Shape::BETWEEN_BURSTS;
            }
            Shape::Bursts => production_time = Duration::ZERO,
            Shape::SlowJob if number == Shape::SLOW_JOB => processing_time *= Shape::SLOW_JOB_TIMES_LONGER,
            Shape::SlowJob => {}
        }
        Job { number, kind: "process_item", production_time, processing_time }
    }

    /// The random stream of job `number`, from its start: the draws of [`Workload::job`].
    ///
    /// ChaCha8 is documented to give the same stream on every platform and in every version (unlike
    /// `StdRng`), and it has 2^64 independent streams per seed: one per job.
    pub fn random_stream(&self, number: usize) -> ChaCha8Rng {
        let mut random = ChaCha8Rng::seed_from_u64(self.seed);
        random.set_stream(number as u64);
        random
    }

    /// Job `number`'s random stream, from a place of its own for each `slot`: lessons draw a job's priority,
    /// or whether its third attempt fails, from a slot each, so that no draw shifts another.
    pub fn random_at(&self, number: usize, slot: Slot) -> ChaCha8Rng {
        let mut random = self.random_stream(number);
        // Far past the draws of `job`, and far enough apart that no slot's draws reach the next slot.
        random.set_word_pos(WORDS_PER_SLOT * (1 + slot.index()));
        random
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_depends_only_on_the_seed_and_its_number() {
        let workload = Workload::new(7);
        assert_eq!(workload.job(3), Workload::new(7).job(3));
        // Asking for other jobs first must not change job 3.
        let _ = workload.job(1);
        let _ = workload.job(99);
        assert_eq!(workload.job(3), Workload::new(7).job(3));
        assert_ne!(workload.job(3), Workload::new(8).job(3));
    }

    #[test]
    fn slots_are_independent_and_reproducible() {
        use rand::Rng;
        let workload = Workload::new(3);
        let draw = |slot| workload.random_at(5, slot).next_u64();
        assert_eq!(draw(Slot::Priority), draw(Slot::Priority));
        assert_ne!(draw(Slot::Priority), draw(Slot::Attempt(1)));
        assert_ne!(draw(Slot::Attempt(1)), draw(Slot::Attempt(2)));
        assert_ne!(draw(Slot::Priority), workload.random_stream(5).next_u64());
    }

    #[test]
    fn times_stay_within_the_seed_lessons_ranges() {
        let workload = Workload::new(1);
        for number in 1..=1_000 {
            let job = workload.job(number);
            assert!(PRODUCTION_MILLIS.contains(&(job.production_time.as_millis() as u64)));
            assert!(PROCESSING_MILLIS.contains(&(job.processing_time.as_millis() as u64)));
        }
    }

    #[test]
    fn a_shape_changes_the_times_of_its_jobs_and_no_other() {
        let (steady, seed) = (Workload::new(1), 1);
        let pauses = Workload::shaped(seed, Shape::Pauses);
        assert_eq!(pauses.job(4), steady.job(4));
        assert_eq!(pauses.job(5).production_time, Shape::PAUSE);
        assert_eq!(pauses.job(5).processing_time, steady.job(5).processing_time);
        let bursts = Workload::shaped(seed, Shape::Bursts);
        let gaps: Vec<Duration> = (1..=10).map(|number| bursts.job(number).production_time).collect();
        assert_eq!(gaps[..8], [Duration::ZERO; 8], "jobs 1 to 8 come at once");
        assert_eq!(gaps[8..], [Shape::BETWEEN_BURSTS, Duration::ZERO]);
        let slow = Workload::shaped(seed, Shape::SlowJob);
        assert_eq!(slow.job(3).processing_time, steady.job(3).processing_time * 100);
        assert_eq!(slow.job(4), steady.job(4));
    }

    #[test]
    fn the_stream_is_the_documented_one() {
        // Pinned values: if a dependency update ever changed the stream, every snapshot would change with
        // it, and this test says why.
        let job = Workload::new(1).job(1);
        assert_eq!(job.name().to_string(), "process_item_1");
        assert_eq!(format!("{:<16}|", job.name()), "process_item_1  |");
        assert_eq!(
            (job.production_time.as_millis(), job.processing_time.as_millis()),
            (136, 240),
            "the random stream of seed 1, job 1 changed"
        );
    }
}
