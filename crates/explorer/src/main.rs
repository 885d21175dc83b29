//! The `explorer` program: `cargo xtask explore N` runs it. Try `cargo run -p explorer -- --help`.

use std::process::ExitCode;

use clap::Parser;
use explorer::cli::Arguments;
use explorer::exploration::{self, Exploration, Verdict};
use explorer::{report, scenarios};

fn main() -> ExitCode {
    let arguments = match Arguments::try_parse() {
        Ok(arguments) => arguments,
        Err(error) if error.use_stderr() => {
            eprintln!("{}", lesson_support::one_line_mistake(&error));
            return ExitCode::from(2);
        }
        Err(help) => {
            print!("{help}");
            return ExitCode::SUCCESS;
        }
    };
    // A broken promise is a panic inside shuttle; the explorer tells its story itself, so the default panic
    // message is not printed.
    std::panic::set_hook(Box::new(|_| {}));
    let all = scenarios::for_lesson(arguments.lesson).expect("the lesson was checked");
    match &arguments.replay {
        Some(replay) => replay_one(arguments.lesson, &all, replay),
        None => explore_all(&arguments, &all),
    }
}

/// Explores every scenario (or the one asked for) and prints the verdict.
fn explore_all(arguments: &Arguments, all: &[scenarios::Scenario]) -> ExitCode {
    let chosen: Vec<&scenarios::Scenario> = match &arguments.scenario {
        Some(name) => match all.iter().find(|scenario| scenario.name == name) {
            Some(scenario) => vec![scenario],
            None => return unknown_scenario(name, all),
        },
        None => all.iter().collect(),
    };
    let exploration = Exploration {
        strategy: arguments.scheduler,
        orderings: arguments.iterations as usize,
        seed: arguments.seed,
    };
    let (text, broken) = report::explore_and_tell(arguments.lesson, &chosen, exploration);
    match (&broken, arguments.brief) {
        (None, false) | (Some(_), false) => print!("{text}"),
        (None, true) => println!("kept"),
        (Some((scenario, failure)), true) => {
            println!("broken: {}\nbecause: {}", scenario.promise, report::what_went_wrong(failure));
        }
    }
    if broken.is_some() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Replays the ordering `replay` (`NAME:SCHEDULE`) and prints what it does.
fn replay_one(lesson: u8, all: &[scenarios::Scenario], replay: &str) -> ExitCode {
    let Some((name, schedule)) = replay.split_once(':') else {
        eprintln!(
            "error: invalid value '{replay}' for '--replay': expected NAME:SCHEDULE, as a failure prints it"
        );
        return ExitCode::from(2);
    };
    let Some(scenario) = all.iter().find(|scenario| scenario.name == name) else {
        return unknown_scenario(name, all);
    };
    if !exploration::is_schedule(schedule) {
        eprintln!(
            "error: invalid value for '--replay': '{schedule}' is not a schedule as a failure prints it"
        );
        return ExitCode::from(2);
    }
    println!(
        "Replaying one ordering of {name}, on lesson {lesson}'s queue ({}).",
        report::queue_file(lesson)
    );
    match exploration::replay(scenario, schedule) {
        Verdict::Kept { .. } => {
            println!(
                "  ok    {name}: the ordering ran to its end and kept the promise. The bug it showed is fixed, or the \
                 code changed since it was found."
            );
            ExitCode::SUCCESS
        }
        Verdict::Broken(failure) => {
            println!("{}", report::scenario_line(scenario, &Verdict::Broken(failure.clone())));
            print!("{}", report::story(lesson, scenario, &failure));
            ExitCode::FAILURE
        }
    }
}

/// The error for a scenario name that does not exist.
fn unknown_scenario(name: &str, all: &[scenarios::Scenario]) -> ExitCode {
    let names: Vec<&str> = all.iter().map(|scenario| scenario.name).collect();
    eprintln!("error: no scenario named '{name}': expected one of {}", names.join(", "));
    ExitCode::from(2)
}
