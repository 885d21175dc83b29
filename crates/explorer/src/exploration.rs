//! Running a scenario under many orderings with shuttle, and replaying one.
//!
//! Shuttle runs the scenario again and again. In each run (an *ordering*), at every call it models (a send, a
//! lock, a `Notify`), its scheduler chooses which task goes on next: at random (`random`), or with PCT, which
//! is better at orderings that need a few rare switches in a row (`pct`). A run fails when a task panics (a
//! promise is broken) or when no task can go on (a deadlock, or a wake-up that was lost).
//!
//! The schedulers take a seed: the same seed explores the same orderings. A failing ordering is written down by
//! shuttle as a string, and replaying that string runs exactly that ordering again.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use shuttle::scheduler::{PctScheduler, RandomScheduler, ReplayScheduler, Scheduler};
use shuttle::{Config, FailurePersistence, Runner};
use shuttle_engine::runtime::execution::CurrentSchedule;
use shuttle_engine::scheduler::serialization::{deserialize_schedule, serialize_schedule};

use crate::board;
use crate::scenarios::Scenario;

/// How the orderings are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// Each switch between tasks chosen at random.
    Random,
    /// PCT: random priorities, with a few priority changes at random points (depth 3).
    Pct,
}

/// How to explore: how, how many orderings per scenario, from which seed.
#[derive(Debug, Clone, Copy)]
pub struct Exploration {
    /// How the orderings are chosen.
    pub strategy: Strategy,
    /// How many orderings of each scenario.
    pub orderings: usize,
    /// The seed of the scheduler.
    pub seed: u64,
}

/// What a scenario's exploration found.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// The promise held in every ordering tried.
    Kept {
        /// How many orderings were tried.
        orderings: usize,
    },
    /// An ordering broke it.
    Broken(Failure),
}

/// An ordering that broke a promise.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Which ordering it was, counting from 1.
    pub ordering: usize,
    /// What went wrong, in the scenario's words, or shuttle's for a deadlock.
    pub message: String,
    /// What every task was doing when it went wrong.
    pub board: Vec<(String, String)>,
    /// The ordering, as shuttle writes it down: replaying it runs the same ordering again.
    pub schedule: Option<String>,
}

impl Failure {
    /// Whether no task could go on.
    pub fn is_deadlock(&self) -> bool {
        self.message.starts_with("deadlock!")
    }
}

/// Explores `scenario` as `exploration` says.
pub fn explore(scenario: &Scenario, exploration: Exploration) -> Verdict {
    let Exploration { strategy, orderings, seed } = exploration;
    match strategy {
        Strategy::Random => run(scenario, RandomScheduler::new_from_seed(seed, orderings)),
        Strategy::Pct => run(scenario, PctScheduler::new_from_seed(seed, 3, orderings)),
    }
}

/// Runs the one ordering that `schedule` (as a failure wrote it down) describes.
pub fn replay(scenario: &Scenario, schedule: &str) -> Verdict {
    run(scenario, ReplayScheduler::new_from_encoded(schedule))
}

/// Whether `schedule` is an ordering as shuttle writes them down.
pub fn is_schedule(schedule: &str) -> bool {
    // Shuttle's reader gives up with `None` on most mistakes, and panics on a few (a string cut short).
    let hexadecimal = !schedule.is_empty() && schedule.chars().all(|c| c.is_ascii_hexdigit());
    hexadecimal && catch_unwind(|| deserialize_schedule(schedule).is_some()).unwrap_or(false)
}

/// Runs `scenario` under `scheduler` until an ordering fails or the scheduler has no more.
fn run(scenario: &Scenario, scheduler: impl Scheduler + 'static) -> Verdict {
    write_down_failing_orderings();
    FAILING_ORDERING.set(None);
    let mut config = Config::new();
    // The explorer writes the failing ordering down itself, below; shuttle need not print or save it.
    config.failure_persistence = FailurePersistence::None;
    config.silence_warnings = true;
    ORDERINGS.set(0);
    let body = scenario.body;
    let runner = Runner::new(scheduler, config);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        runner.run(move || {
            ORDERINGS.set(ORDERINGS.get() + 1);
            board::wipe();
            body();
        })
    }));
    match outcome {
        Ok(orderings) => Verdict::Kept { orderings },
        Err(payload) => Verdict::Broken(Failure {
            ordering: ORDERINGS.get(),
            message: message_of(payload.as_ref()),
            board: board::read(),
            schedule: FAILING_ORDERING.take(),
        }),
    }
}

thread_local! {
    /// How many orderings of this thread's exploration have started.
    static ORDERINGS: Cell<usize> = const { Cell::new(0) };
    /// The ordering that was being run when the last panic of this thread happened, as shuttle writes it.
    static FAILING_ORDERING: Cell<Option<String>> = const { Cell::new(None) };
}

/// Makes every panic write down the ordering being run, as shuttle does for its own failure reports: a panic
/// is how an ordering fails, whether a scenario panics or shuttle finds no task that can go on.
fn write_down_failing_orderings() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let next = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |panic| {
            let schedule = serialize_schedule(&CurrentSchedule::get_schedule());
            FAILING_ORDERING.set(Some(schedule.split_whitespace().collect()));
            next(panic);
        }));
    });
}

/// The text of a panic's payload.
fn message_of(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else {
        "a task panicked".to_string()
    }
}
