//! The runner's command line, parsed by clap. Each command's work is in the module of the same name.

use clap::{Parser, Subcommand};

/// The course runner for the producer-consumer lessons.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
#[command(after_help = "Start with `cargo xtask lesson 1`.\n\n\
                        Exit status: 0 done (for `check`: every run and test passed); 1 a check or a run failed, or \
                        the runner could not do its work (a build that failed); 2 a mistake in the command; 130 \
                        stopped by Ctrl-C. `cargo xtask lesson N` ends with the lesson's own status.")]
pub struct CommandLine {
    /// The command; none lists the lessons.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The runner's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the lessons, and what each teaches.
    List,
    /// Run a lesson with the flags given, and say what to try next.
    ///
    /// Every flag after the lesson goes to the lesson, `--help` too: `cargo xtask lesson 1 --help` lists the
    /// lesson's own flags.
    #[command(after_help = "Example: cargo xtask lesson 1 --workers 10", disable_help_flag = true)]
    Lesson {
        /// The lesson's number (1) or its crate's name (baseline).
        #[arg(allow_hyphen_values = true)]
        lesson: String,
        /// Flags for the lesson, such as `--workers 10 --seed 7`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "FLAGS")]
        flags: Vec<String>,
    },
    /// Show what changed between two lessons: the lesson's code first, then what both print.
    #[command(
        after_help = "With one lesson, its step: `cargo xtask diff 5` is lesson 5 against lesson 3, which it builds \
                      on. Left out unless `--all`: what is not the lesson (main.rs, the `use` lines, the flags), comments \
                      reworded over the same code; a comment taken out shows by its first line, and so does code \
                      taken out whole under a comment that names it.\n\
                            Examples: cargo xtask diff 5\n          cargo xtask diff 2 3 --fail-job 7"
    )]
    Diff {
        /// The first lesson: a number (2) or a crate's name; alone, the lesson whose step to show.
        first: String,
        /// The second lesson; none shows the first against the lesson it builds on.
        #[arg(allow_hyphen_values = true)]
        second: Option<String>,
        /// `--all`, then flags for both runs, such as `--queue-size 1`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "FLAGS")]
        flags: Vec<String>,
    },
    /// Run a lesson once per worker count on the same workload, and print a table of how the time changes.
    #[command(
        after_help = "Examples: cargo xtask sweep 1 --workers 1,2,4,8 --seed 7\n          cargo xtask sweep 1 --queue-sizes 0,1,2,5,10",
        disable_help_flag = true
    )]
    Sweep {
        /// The lesson: a number or a crate's name.
        #[arg(allow_hyphen_values = true)]
        lesson: String,
        /// `--workers LIST` (default 1,2,3,5,10) or `--queue-sizes LIST`, then flags for every run.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "FLAGS")]
        flags: Vec<String>,
    },
    /// Explore a lesson's hand-written queue under thousands of orderings of its tasks (3, 4 and 5, with
    /// shuttle), or every interleaving of its threads (8, with loom), and tell the one that breaks a promise.
    #[command(
        after_help = "Every flag after the lesson goes to the explorer: --iterations N (orderings per scenario, \
                      default 1000), --scheduler random|pct, --seed N, --scenario NAME, --replay NAME:SCHEDULE.\n\
                      Examples: cargo xtask explore 4\n          cargo xtask explore 4 --iterations 10000 --scheduler pct",
        disable_help_flag = true
    )]
    Explore {
        /// The lesson: 3, 4, 5 or 8, or a crate's name.
        #[arg(allow_hyphen_values = true)]
        lesson: String,
        /// Flags for the explorer, such as `--iterations 10000`; `--help` lists them.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "FLAGS")]
        flags: Vec<String>,
    },
    /// Check every lesson (or one): does it keep its promises, and print what its reference says?
    Check {
        /// Only this lesson: a number or a crate's name.
        lesson: Option<String>,
        /// Run every test, the slow ones too (hundreds of random runs, Ctrl-C on the wall clock).
        #[arg(long)]
        full: bool,
    },
    /// Check a lesson again on every save, with hints and the list of lessons at a key.
    #[command(
        after_help = "Keys: h the next hint, l the list of lessons, n the next lesson once this one is done, \
                            r check again, q quit."
    )]
    Watch {
        /// The lesson to start with (a number or a crate's name); the first one not done if none.
        lesson: Option<String>,
    },
    /// Answer the Python lesson's predictions and explanations; the runner proves the right answer by running
    /// the lessons.
    #[command(
        after_help = "Examples: cargo xtask quiz\n          cargo xtask quiz alter-it-1\n          cargo xtask quiz alter-it-1 c"
    )]
    Quiz {
        /// The quiz: alter-it-1, break-it-2, explain-it-1 to explain-it-4, mastery-when; none lists them.
        id: Option<String>,
        /// Your answer: a, b or c; none shows the question.
        answer: Option<String>,
    },
    /// Show the next hint for the exercise of a lesson you are on, one at a time.
    Hint {
        /// The lesson: a number or a crate's name.
        lesson: String,
    },
    /// Put a lesson's code back as committed, after saving your changes as a patch.
    Reset {
        /// The lesson: a number or a crate's name.
        lesson: String,
    },
    /// List the exercises that edit code; with --verify, prove each gets the verdict its catalogue promises.
    Exercises {
        /// Only this lesson: a number or a crate's name.
        lesson: Option<String>,
        /// Apply each exercise's patch to a copy of the course and check it (a few minutes).
        #[arg(long)]
        verify: bool,
    },
    /// Make what the lessons print now their new reference (snapshots, generated texts); review with git diff.
    Bless {
        /// Only this lesson: a number or a crate's name.
        lesson: Option<String>,
    },
    /// Measure: each lesson against a bare-tokio floor, the queues, memory, builds.
    Bench {
        /// Only lesson 9's table: lesson 9 against a bare SKIP LOCKED loop on the same server (a minute).
        #[arg(long, conflicts_with = "watch")]
        database: bool,
        /// Only the two figures of `cargo xtask watch`: a save to its runs' verdict, and to its tests'.
        #[arg(long)]
        watch: bool,
    },
    /// Make the course into a book to read in a browser: every lesson's text, pictures and code, with search.
    #[command(after_help = "The book is made in target/book/html; open index.html there.\n\
                            Examples: cargo xtask book\n          cargo xtask book --serve --port 3001")]
    Book {
        /// Serve it on localhost, and make it again when a lesson changes (Ctrl-C stops).
        #[arg(long)]
        serve: bool,
        /// The port to serve it on.
        #[arg(long, value_name = "PORT", default_value_t = 3000, requires = "serve", value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
    },
    /// Check that this machine has what the course needs (Rust, tmux, PostgreSQL, free disk), and say how to
    /// install what is missing.
    Doctor,
    /// Run the tests of the wall-clock lessons (8 and 9) many times with every core busy, and count failures.
    #[command(after_help = "Example: cargo xtask stress --runs 5")]
    Stress {
        /// How many times to run the tests.
        #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
        runs: u16,
    },
}
