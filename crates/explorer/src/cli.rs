//! The explorer's command line, parsed by clap: `cargo xtask explore N` passes its flags on to it.

use clap::Parser;

use crate::exploration::Strategy;

/// Explores a lesson's hand-written queue under many orderings of its tasks, with shuttle, and replays one.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask explore", max_term_width = 100)]
pub struct Arguments {
    /// The lesson whose queue is explored: 3, 4 or 5.
    #[arg(value_parser = lesson)]
    pub lesson: u8,

    /// How many orderings of each scenario to try, from 1 to 1,000,000.
    #[arg(long, value_name = "N", default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub iterations: u32,

    /// How to choose the orderings: random switches between tasks, or PCT (random priorities with a few
    /// changes, better at bugs that need several rare switches in a row).
    #[arg(long, value_enum, default_value_t = Strategy::Random)]
    pub scheduler: Strategy,

    /// The scheduler's seed: the same seed tries the same orderings.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Only this scenario (its name, as the verdict shows it).
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,

    /// Run again the one ordering that a failure printed: its scenario and schedule, `NAME:SCHEDULE`.
    #[arg(long, value_name = "NAME:SCHEDULE")]
    pub replay: Option<String>,

    /// For `cargo xtask check`: print only `kept` or, for a broken promise, `broken: PROMISE` and
    /// `because: WHAT WENT WRONG`.
    #[arg(long, hide = true)]
    pub brief: bool,
}

/// The lesson argument's parser.
fn lesson(text: &str) -> Result<u8, String> {
    match text.trim().parse::<u8>() {
        Ok(lesson @ 3..=5) => Ok(lesson),
        _ => Err("expected 3, 4 or 5: the lessons with a hand-written queue".to_string()),
    }
}
