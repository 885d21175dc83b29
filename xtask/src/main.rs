//! The course runner's command line: `cargo xtask`. What each command does is in the library beside it.

use std::process::ExitCode;

use xtask::cli::{Command, CommandLine};
use xtask::commands;

use clap::{CommandFactory, Parser};

fn main() -> ExitCode {
    let command_line = match CommandLine::try_parse() {
        Ok(command_line) => command_line,
        Err(error) if !error.use_stderr() => {
            // `--help`: clap prints it.
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{} (see `cargo xtask --help`)", one_line(&error.to_string()));
            return ExitCode::from(commands::EXIT_USAGE);
        }
    };
    let result = match command_line.command {
        None | Some(Command::List) => commands::list(),
        // The lesson's own flags include `--help`, so the runner's help for `lesson` is asked for by hand.
        Some(Command::Lesson { lesson, .. }) if lesson == "--help" || lesson == "-h" => {
            print_help_of("lesson")
        }
        Some(Command::Sweep { lesson, .. }) if lesson == "--help" || lesson == "-h" => print_help_of("sweep"),
        Some(Command::Sweep { lesson, flags }) => commands::sweep(&lesson, &flags),
        Some(Command::Lesson { lesson, flags }) => commands::lesson(&lesson, &flags),
        Some(Command::Diff { first, second, flags }) => commands::diff(&first, &second, &flags),
        Some(Command::Check { lesson }) => commands::check(lesson.as_deref()),
        Some(Command::Bench) => commands::bench(),
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

/// Prints the help of a subcommand whose own flags go to a lesson, `--help` included.
fn print_help_of(subcommand: &str) -> Result<u8, String> {
    let mut command = CommandLine::command();
    let subcommand = command.find_subcommand_mut(subcommand).expect("a subcommand of the runner");
    let _ = subcommand.print_long_help();
    Ok(0)
}

/// clap's error in one line: its first line, and when that line ends in a colon, the list after it
/// ("the following required arguments were not provided: <LESSON>").
fn one_line(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or("error: bad command line");
    if !first.ends_with(':') {
        return first.to_string();
    }
    let listed: Vec<&str> = lines.take_while(|line| line.starts_with("  ")).map(str::trim).collect();
    format!("{first} {}", listed.join(", "))
}
