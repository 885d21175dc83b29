//! The course runner's command line: `cargo xtask`. What each command does is in the library beside it.

use std::process::ExitCode;

use xtask::commands;

use clap::{CommandFactory, Parser, Subcommand};

/// The course runner for the producer-consumer lessons.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
#[command(after_help = "Start with `cargo xtask lesson 1`.")]
struct CommandLine {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the lessons, and what each teaches.
    List,
    /// Introduce a lesson, run it with the flags given, and say what to try next.
    ///
    /// Every flag after the lesson goes to the lesson, `--help` too: `cargo xtask lesson 1 --help` lists the
    /// lesson's own flags.
    #[command(
        after_help = "Example: cargo xtask lesson 1 --workers 10",
        disable_help_flag = true
    )]
    Lesson {
        /// The lesson's number (1) or its crate's name (baseline).
        #[arg(allow_hyphen_values = true)]
        lesson: String,
        /// Flags for the lesson, such as `--workers 10 --seed 7`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "FLAGS")]
        flags: Vec<String>,
    },
    /// Show what changed between two lessons: the code, then what both print with the same flags.
    #[command(after_help = "Example: cargo xtask diff 2 3 --fail-job 7")]
    Diff {
        /// The first lesson: a number (2) or a crate's name.
        first: String,
        /// The second lesson.
        second: String,
        /// Flags for both runs, such as `--queue-size 1`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "FLAGS")]
        flags: Vec<String>,
    },
    /// Check every lesson (or one) against its reference output, and say in plain words what differs.
    Check {
        /// Only this lesson: a number or a crate's name.
        lesson: Option<String>,
    },
    /// Put a lesson's code back as committed, after saving your changes as a patch.
    Reset {
        /// The lesson: a number or a crate's name.
        lesson: String,
    },
}

fn main() -> ExitCode {
    let command_line = match CommandLine::try_parse() {
        Ok(command_line) => command_line,
        Err(error) if !error.use_stderr() => {
            // `--help`: clap prints it.
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            let rendered = error.to_string();
            eprintln!(
                "{} (see `cargo xtask --help`)",
                rendered.lines().next().unwrap_or("error: bad command line")
            );
            return ExitCode::from(commands::EXIT_USAGE);
        }
    };
    let result = match command_line.command {
        None | Some(Command::List) => commands::list(),
        // The lesson's own flags include `--help`, so the runner's help for `lesson` is asked for by hand.
        Some(Command::Lesson { lesson, .. }) if lesson == "--help" || lesson == "-h" => {
            let mut command = CommandLine::command();
            let subcommand = command
                .find_subcommand_mut("lesson")
                .expect("`lesson` is a subcommand");
            let _ = subcommand.print_long_help();
            Ok(0)
        }
        Some(Command::Lesson { lesson, flags }) => commands::lesson(&lesson, &flags),
        Some(Command::Diff { first, second, flags }) => commands::diff(&first, &second, &flags),
        Some(Command::Check { lesson }) => commands::check(lesson.as_deref()),
        Some(Command::Reset { lesson }) => commands::reset(&lesson),
    };
    match result {
        Ok(status) => ExitCode::from(status),
        Err(mistake) => {
            eprintln!("error: {mistake}");
            ExitCode::from(commands::EXIT_USAGE)
        }
    }
}
