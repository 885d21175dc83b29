//! `cargo xtask sweep N [--workers LIST | --queue-sizes LIST] FLAGS…`: the lesson once per worker count (or
//! queue size), on the same workload, in a table. The lesson's own `--sweep` does the work; the runner turns
//! its words into the lesson's flags.

use crate::failure::Failure;
use crate::lessons;
use crate::workspace::Workspace;

/// The flags of `cargo xtask sweep` itself; every other flag goes to the lesson.
pub const SWEEP_FLAGS: [&str; 2] = ["--workers", "--queue-sizes"];

/// The worker counts of `cargo xtask sweep` when `--workers` is not given.
pub const DEFAULT_SWEEP: &str = "1,2,3,5,10";

/// The largest worker count a lesson takes (`lesson_support::settings::MAX_WORKERS`; a test keeps the two
/// the same).
pub const MAX_WORKERS: usize = 10_000;
/// The largest queue size a lesson takes (`lesson_support::settings::MAX_QUEUE_SIZE`).
pub const MAX_QUEUE_SIZE: usize = 1_000_000;

/// `cargo xtask sweep N …`.
pub fn run(wanted: &str, flags: &[String]) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let lesson = lessons::find(&lessons, wanted)?;
    let lesson_flags = lesson_flags(flags)?;
    if !course.build_on_terminal(lesson)? {
        return Ok(crate::failure::EXIT_FAILED);
    }
    // The runner's own flags are checked above; a mistake the lesson finds names the lesson's flags.
    course.run_on_terminal(lesson, &lesson_flags)
}

/// The lesson's flags for a sweep. With `--queue-sizes LIST`, the runs differ by queue size
/// (`--sweep-queue-sizes LIST`) and `--workers N` stays as it is; otherwise they differ by worker count, and
/// `--workers LIST` (1, 2, 3, 5 and 10 by default) becomes `--sweep LIST`. Every other flag goes on as it is.
pub fn lesson_flags(flags: &[String]) -> Result<Vec<String>, Failure> {
    let values_of = |name: &str| -> Vec<String> {
        let equals = format!("{name}=");
        let mut values = Vec::new();
        let mut words = flags.iter();
        while let Some(word) = words.next() {
            if word == name {
                values.push(words.next().cloned().unwrap_or_default());
            } else if let Some(value) = word.strip_prefix(&equals) {
                values.push(value.to_string());
            }
        }
        values
    };
    let without = |name: &str| -> Vec<String> {
        let equals = format!("{name}=");
        let mut kept = Vec::new();
        let mut words = flags.iter();
        while let Some(word) = words.next() {
            if word == name {
                words.next();
            } else if !word.starts_with(&equals) {
                kept.push(word.clone());
            }
        }
        kept
    };
    for name in SWEEP_FLAGS {
        if values_of(name).len() > 1 {
            return Err(Failure::Usage(format!(
                "the argument '{name} <LIST>' was given more than once: give one list, such as {name} 1,2,4"
            )));
        }
    }
    let queue_sizes = values_of("--queue-sizes").pop();
    let (lesson_flag, runner_flag, list, others, least, most) = match queue_sizes {
        Some(sizes) => {
            ("--sweep-queue-sizes", "--queue-sizes", sizes, without("--queue-sizes"), 0, MAX_QUEUE_SIZE)
        }
        None => {
            let counts = values_of("--workers").pop().unwrap_or_else(|| DEFAULT_SWEEP.to_string());
            ("--sweep", "--workers", counts, without("--workers"), 1, MAX_WORKERS)
        }
    };
    let well_formed = list
        .split(',')
        .all(|value| value.trim().parse::<usize>().is_ok_and(|value| (least..=most).contains(&value)));
    if !well_formed {
        return Err(Failure::Usage(format!(
            "invalid value '{list}' for '{runner_flag} <LIST>': expected whole numbers from {least} to {most}, \
             separated by commas, such as {least},2,4"
        )));
    }
    let mut lesson_flags = vec![lesson_flag.to_string(), list];
    lesson_flags.extend(others);
    Ok(lesson_flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn a_sweep_turns_workers_into_the_lessons_sweep_flag() {
        assert_eq!(lesson_flags(&[]).unwrap(), strings(&["--sweep", "1,2,3,5,10"]));
        assert_eq!(
            lesson_flags(&strings(&["--seed", "7", "--workers", "1,4"])).unwrap(),
            strings(&["--sweep", "1,4", "--seed", "7"])
        );
        assert_eq!(lesson_flags(&strings(&["--workers=2,8"])).unwrap(), strings(&["--sweep", "2,8"]));
    }

    #[test]
    fn a_sweep_over_queue_sizes_keeps_the_workers_flag() {
        assert_eq!(
            lesson_flags(&strings(&["--queue-sizes", "0,1,10", "--workers", "2"])).unwrap(),
            strings(&["--sweep-queue-sizes", "0,1,10", "--workers", "2"])
        );
    }

    #[test]
    fn mistakes_name_the_flag_that_was_typed() {
        for (flags, names) in [
            (&["--workers", "0,2"][..], "'--workers <LIST>'"),
            (&["--workers", "20000"], "expected whole numbers from 1 to 10000"),
            (&["--queue-sizes", "a"], "'--queue-sizes <LIST>'"),
            (&["--workers", "1", "--workers", "2"], "was given more than once"),
        ] {
            let mistake = lesson_flags(&strings(flags)).unwrap_err().to_string();
            assert!(mistake.contains(names), "{flags:?}: {mistake}");
        }
    }
}
