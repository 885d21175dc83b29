//! The course runner's command line: `cargo xtask`. What each command does is in the module of its name.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use xtask::cli::{Command, CommandLine};
use xtask::failure::{EXIT_INTERRUPTED, Failure};
use xtask::workspace::EXIT_USAGE;
use xtask::{
    bench, bless, book, check, diff, doctor, exercises, explore, hint, interrupt, lesson, list, quiz, reset,
    stress, sweep, watch,
};

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
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // Ctrl-C goes to the lesson the runner runs; the runner waits for it, and exits with its status.
    interrupt::listen();
    let result = match command_line.command {
        None | Some(Command::List) => list::run(),
        // The lesson's own flags include `--help`, so the runner's help for `lesson` is asked for by hand.
        Some(Command::Lesson { lesson, .. }) if lesson == "--help" || lesson == "-h" => {
            print_help_of("lesson")
        }
        Some(Command::Sweep { lesson, .. }) if lesson == "--help" || lesson == "-h" => print_help_of("sweep"),
        Some(Command::Explore { lesson, .. }) if lesson == "--help" || lesson == "-h" => {
            print_help_of("explore")
        }
        Some(Command::Lesson { lesson, flags }) => lesson::run(&lesson, &flags),
        Some(Command::Sweep { lesson, flags }) => sweep::run(&lesson, &flags),
        Some(Command::Explore { lesson, flags }) => explore::run(&lesson, &flags),
        Some(Command::Diff { first, second, flags }) => {
            // `diff 5 --queue-size 1`: what came second is the first flag, not a lesson.
            let (second, flags) = match second {
                Some(flag) if flag.starts_with('-') => (None, [vec![flag], flags].concat()),
                second => (second, flags),
            };
            diff::run(&first, second.as_deref(), &flags)
        }
        Some(Command::Check { lesson, full }) => {
            let tests = if full { check::Tests::All } else { check::Tests::Lesson };
            check::run(lesson.as_deref(), tests)
        }
        Some(Command::Watch { lesson }) => watch::run(lesson.as_deref()),
        Some(Command::Hint { lesson }) => hint::run(&lesson),
        Some(Command::Quiz { id, answer }) => quiz::run(id.as_deref(), answer.as_deref()),
        Some(Command::Reset { lesson }) => reset::run(&lesson),
        Some(Command::Exercises { lesson, verify }) => exercises::run(lesson.as_deref(), verify),
        Some(Command::Bless { lesson }) => bless::run(lesson.as_deref()),
        Some(Command::Bench { database: true, .. }) => bench::run_database(),
        Some(Command::Bench { watch: true, .. }) => bench::run_watch(),
        Some(Command::Bench { .. }) => bench::run(),
        Some(Command::Book { serve, port }) => book::run(serve, port),
        Some(Command::Doctor) => doctor::run(),
        Some(Command::Stress { runs }) => stress::run(usize::from(runs)),
    };
    // A lesson stopped by Ctrl-C says so itself, in its summary, and ends with 130, which the runner passes
    // on. Any other command that Ctrl-C stopped (a build, a check, a bench) says so in one line, and ends
    // with 130 too, whatever the program it was running made of the signal.
    let result = match result {
        Ok(EXIT_INTERRUPTED) => Ok(EXIT_INTERRUPTED),
        Ok(_) | Err(Failure::CouldNot(_)) if interrupt::pressed() => {
            Err(Failure::Interrupted("Stopped by Ctrl-C.".to_string()))
        }
        result => result,
    };
    match result {
        Ok(status) => ExitCode::from(status),
        Err(Failure::Interrupted(sentence)) => {
            eprintln!("{sentence}");
            ExitCode::from(EXIT_INTERRUPTED)
        }
        // A mistake in the command is 2, a command that could not do its work 1 (see `xtask::failure`).
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.status())
        }
    }
}

/// Prints the help of a subcommand whose own flags go to a lesson, `--help` included.
fn print_help_of(subcommand: &str) -> Result<u8, Failure> {
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
