//! What each of the runner's commands does.

use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::bench;
use crate::check::{self, TestRun};
use crate::diff::{self, Sources};
use crate::lessons::{self, Lesson};
use crate::reset::{self, Reset};

/// The exit status of a mistake on the command line, as for the lessons.
pub const EXIT_USAGE: u8 = 2;

/// `cargo xtask list`: every lesson, and what to type next.
pub fn list() -> Result<u8, String> {
    let lessons = lessons::load()?;
    print(&render_list(&lessons));
    Ok(0)
}

/// The text of `cargo xtask list`.
pub fn render_list(lessons: &[Lesson]) -> String {
    let mut text = String::from("The lessons of the course, in order:\n\n");
    for lesson in lessons {
        text.push_str(&format!("  {}  {:<20}  {}\n", lesson.number, lesson.crate_name, lesson.title));
        for line in wrap(&format!("teaches {}", lesson.teaches), 80 - 27) {
            text.push_str(&format!("{:27}{line}\n", ""));
        }
    }
    text.push_str("\nStart with `cargo xtask lesson 1`; each lesson's text is in lessons/.\n");
    text
}

/// `text` in lines of at most `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// `cargo xtask lesson N FLAGS…`: the lesson's focus, the run, and what to try next. The status is the
/// lesson's own, so that a broken lesson's failure shows.
pub fn lesson(wanted: &str, flags: &[String]) -> Result<u8, String> {
    let lessons = lessons::load()?;
    let lesson = lessons::find(&lessons, wanted)?;
    let text_path = lessons::workspace_root().join(lesson.text_path());
    let text = std::fs::read_to_string(&text_path)
        .map_err(|error| format!("cannot read {}: {error}", text_path.display()))?;

    print(&introduction(lesson, &text));
    if let Some(previous) = lessons.iter().find(|other| other.number + 1 == lesson.number) {
        print(&changed_since(previous, lesson));
    }
    print("\n");
    let status = run_lesson_crate(lesson, flags)?;
    // After a mistake in the flags, the lesson's one-line error is the thing to read, not suggestions.
    if status != EXIT_USAGE {
        print("\n");
        print(&what_next(lesson, &lessons, &text));
    }
    Ok(status)
}

/// What is printed before a lesson runs: its title and its focus.
pub fn introduction(lesson: &Lesson, text: &str) -> String {
    let mut intro = format!("Lesson {}: {}\n", lesson.number, lesson.title);
    for item in lessons::list_items(&lessons::section(text, "Focus")) {
        intro.push_str(&format!("  - {item}\n"));
    }
    intro.push_str(&format!("Running `{}`...\n", lesson.crate_name));
    intro
}

/// The line that says what a lesson changes in the one before it, and how to see it.
pub fn changed_since(previous: &Lesson, lesson: &Lesson) -> String {
    format!(
        "Since lesson {}: {}. See what changed, in the code and in the output: `cargo xtask diff {} {}`.\n",
        previous.number, lesson.teaches, previous.number, lesson.number
    )
}

/// What is printed after a lesson ran: what to try next, where to read, which lesson follows.
pub fn what_next(lesson: &Lesson, lessons: &[Lesson], text: &str) -> String {
    let mut next = String::from("What to try next, from the lesson's text:\n");
    for section in ["Alter it", "Break it"] {
        let items = lessons::list_items(&lessons::section(text, section));
        if !items.is_empty() {
            next.push_str(&format!("  {section}:\n"));
        }
        for item in items {
            next.push_str(&format!("  - {}\n", lessons::headline(item)));
        }
    }
    next.push_str(&format!(
        "Pass flags after the lesson's number, as in `cargo xtask lesson {} --workers 10`.\n\
         Every flag: `cargo xtask lesson {} --help`. The run as a chart: add `--timeline`.\n",
        lesson.number, lesson.number
    ));
    next.push_str(&format!(
        "Read {} beside the code in {}/src/lib.rs.\n",
        lesson.text_path(),
        lesson.crate_path()
    ));
    match lessons.iter().find(|other| other.number == lesson.number + 1) {
        Some(following) => next.push_str(&format!(
            "When you are ready: `cargo xtask lesson {}` ({}).\n",
            following.number, following.title
        )),
        None => next.push_str("This is the last lesson.\n"),
    }
    next
}

/// `cargo xtask diff A B FLAGS…`: the source diff between two lessons, then the diff of their outputs for
/// the same flags.
pub fn diff(first: &str, second: &str, flags: &[String]) -> Result<u8, String> {
    let lessons = lessons::load()?;
    let (old, new) = (lessons::find(&lessons, first)?, lessons::find(&lessons, second)?);
    let root = lessons::workspace_root();
    let old_sources = Sources::read(&root, &format!("{}/src", old.crate_path()))?;
    let new_sources = Sources::read(&root, &format!("{}/src", new.crate_path()))?;
    let old_output = capture_lesson_crate(old, flags)?;
    let new_output = capture_lesson_crate(new, flags)?;
    let text = render_diff(old, new, flags, &old_sources, &new_sources, &old_output, &new_output);
    let coloured = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    print(&if coloured { diff::colour(&text) } else { text });
    Ok(0)
}

/// The whole text of `cargo xtask diff`, from what it read and ran.
pub fn render_diff(
    old: &Lesson,
    new: &Lesson,
    flags: &[String],
    old_sources: &Sources,
    new_sources: &Sources,
    old_output: &str,
    new_output: &str,
) -> String {
    let shown_flags = if flags.is_empty() { "no flags".to_string() } else { flags.join(" ") };
    let mut text = format!(
        "What changed from lesson {} ({}) to lesson {} ({})\n\n== The code ==\n",
        old.number, old.crate_name, new.number, new.crate_name
    );
    text.push_str(&diff::source_diff(old_sources, new_sources));
    text.push_str(&format!("\n== What it prints, with {shown_flags} ==\n"));
    let old_label = format!("lesson {} ({})", old.number, old.crate_name);
    let new_label = format!("lesson {} ({})", new.number, new.crate_name);
    text.push_str(&diff::output_diff(old_output, new_output, &old_label, &new_label));
    text
}

/// The flags of `cargo xtask sweep` itself; every other flag goes to the lesson.
pub const SWEEP_FLAGS: [&str; 2] = ["--workers", "--queue-sizes"];

/// The worker counts of `cargo xtask sweep` when `--workers` is not given.
pub const DEFAULT_SWEEP: &str = "1,2,3,5,10";

/// `cargo xtask sweep N [--workers LIST | --queue-sizes LIST] FLAGS…`: the lesson once per worker count
/// (or queue size), on the same workload, in a table.
pub fn sweep(wanted: &str, flags: &[String]) -> Result<u8, String> {
    let lessons = lessons::load()?;
    let lesson = lessons::find(&lessons, wanted)?;
    run_lesson_crate(lesson, &sweep_flags(flags)?)
}

/// The lesson's flags for a sweep. With `--queue-sizes LIST`, the runs differ by queue size
/// (`--sweep-queue-sizes LIST`) and `--workers N` stays as it is; otherwise they differ by worker count, and
/// `--workers LIST` (1, 2, 3, 5 and 10 by default) becomes `--sweep LIST`. Every other flag goes on as it is.
pub fn sweep_flags(flags: &[String]) -> Result<Vec<String>, String> {
    let value_of = |name: &str| -> Option<String> {
        let equals = format!("{name}=");
        let position = flags.iter().position(|flag| flag == name || flag.starts_with(&equals))?;
        let flag = &flags[position];
        Some(
            flag.strip_prefix(&equals)
                .map(str::to_string)
                .unwrap_or_else(|| flags.get(position + 1).cloned().unwrap_or_default()),
        )
    };
    let without = |name: &str| -> Vec<String> {
        let equals = format!("{name}=");
        let mut kept = Vec::new();
        let mut flags = flags.iter();
        while let Some(flag) = flags.next() {
            if flag == name {
                flags.next();
            } else if !flag.starts_with(&equals) {
                kept.push(flag.clone());
            }
        }
        kept
    };
    let (lesson_flag, runner_flag, list, others, least) = match value_of("--queue-sizes") {
        Some(sizes) => ("--sweep-queue-sizes", "--queue-sizes", sizes, without("--queue-sizes"), 0),
        None => {
            let counts = value_of("--workers").unwrap_or_else(|| DEFAULT_SWEEP.to_string());
            ("--sweep", "--workers", counts, without("--workers"), 1)
        }
    };
    let well_formed = list.split(',').all(|value| value.parse::<usize>().is_ok_and(|value| value >= least));
    if !well_formed {
        return Err(format!(
            "invalid value '{list}' for '{runner_flag} <LIST>': expected whole numbers from {least} up, separated by commas, such as {least},2,4"
        ));
    }
    let mut lesson_flags = vec![lesson_flag.to_string(), list];
    lesson_flags.extend(others);
    Ok(lesson_flags)
}

/// `cargo xtask bench`: builds what it measures, measures it, prints a table and writes `target/bench.json`.
pub fn bench() -> Result<u8, String> {
    let root = lessons::workspace_root();
    let target = bench::target_folder(&root);
    print("Building lesson 1 and the queue benchmark in release mode...\n");
    run_cargo(&["build", "--quiet", "--release", "--package", "baseline", "--package", "benchmarks"], None)?;
    let release = target.join("release");
    let lesson_1 = release.join("baseline");
    let mut figures = bench::Figures::default();

    print("Timing lesson 1 on the simulated clock, then on the wall clock (about 5 seconds)...\n");
    let mut simulated = Duration::ZERO;
    for _ in 0..20 {
        simulated += bench::time(&lesson_1, &["--instant"])?;
    }
    figures.simulated = simulated / 20;
    figures.wall_clock = bench::time(&lesson_1, &["--real-time"])?;

    print("Running a million jobs with a thousand workers...\n");
    (figures.scale_time, figures.scale_peak_memory) = bench::measure(&lesson_1, &bench::SCALE_FLAGS)?;

    print("Timing the lessons' queues against a bare channel...\n");
    let queues = Command::new(release.join("benchmarks"))
        .output()
        .map_err(|error| format!("cannot run the queue benchmark: {error}"))?;
    (figures.bare_channel, figures.joinable_queue, figures.priority_queue) =
        bench::parse_queue_figures(&String::from_utf8_lossy(&queues.stdout))?;

    print("Building from an empty target folder: what `cargo xtask lesson 1` needs, then the rest...\n");
    let cold = target.join("bench-cold-build");
    let _ = std::fs::remove_dir_all(&cold);
    let started = Instant::now();
    run_cargo(&["build", "--quiet", "--package", "xtask", "--package", "baseline"], Some(&cold))?;
    figures.cold_build_lesson_1 = started.elapsed();
    run_cargo(&["build", "--quiet", "--workspace"], Some(&cold))?;
    figures.cold_build_workspace = started.elapsed();
    let _ = std::fs::remove_dir_all(&cold);

    print("\n");
    print(&figures.table());
    let json = target.join("bench.json");
    std::fs::write(&json, figures.json())
        .map_err(|error| format!("cannot write {}: {error}", json.display()))?;
    print(&format!("\nThe same figures, as JSON: {}\n", json.display()));
    Ok(0)
}

/// Runs cargo with `args`, in a target folder of its own if `target` is given; its failure is an error.
fn run_cargo(args: &[&str], target: Option<&std::path::Path>) -> Result<(), String> {
    let mut command = cargo();
    command.args(args);
    if let Some(target) = target {
        command.env("CARGO_TARGET_DIR", target);
    }
    let status = command.status().map_err(|error| format!("cannot start cargo: {error}"))?;
    if !status.success() {
        return Err(format!("`cargo {}` failed; its message is above", args.join(" ")));
    }
    Ok(())
}

/// `cargo xtask check [N]`: each lesson's tests, run as CI runs them, turned into one verdict per lesson.
pub fn check(wanted: Option<&str>) -> Result<u8, String> {
    let lessons = lessons::load()?;
    let chosen: Vec<&Lesson> = match wanted {
        Some(wanted) => vec![lessons::find(&lessons, wanted)?],
        None => lessons.iter().collect(),
    };
    let mut all_match = true;
    for lesson in chosen {
        print(&format!("Checking lesson {} ({})...\n", lesson.number, lesson.crate_name));
        let run = test_lesson_crate(lesson)?;
        all_match &= run.passed;
        print(&check::verdict(lesson, &run));
        if lesson.crate_name == "broken-no-sentinel" && !run.passed {
            let mut results = Vec::new();
            for probe in check::LESSON_2_PROBES {
                let flags: Vec<String> = probe.flags.iter().map(|flag| flag.to_string()).collect();
                let output = capture_lesson_crate(lesson, &flags)?;
                results.push((*probe, exit_status_of(&output)));
            }
            print(&check::progress(&results));
        }
    }
    if all_match {
        print("Every lesson checked matches its reference.\n");
    }
    Ok(if all_match { 0 } else { 1 })
}

/// `cargo xtask reset N`: saves the learner's changes to a lesson as a patch, then puts the lesson back.
pub fn reset(wanted: &str) -> Result<u8, String> {
    let lessons = lessons::load()?;
    let lesson = lessons::find(&lessons, wanted)?;
    let label = format!("lesson-{}-{}", lesson.number, lesson.crate_name);
    // The lesson's text and picture go back too: a plain `cargo test` rewrites them from a changed lesson.
    let paths = [lesson.crate_path(), lesson.text_path(), lesson.timeline_path()];
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    match reset::reset(&lessons::workspace_root(), &paths, &label)? {
        Reset::NothingToSave => print(&format!(
            "Lesson {} ({}) is already as committed: nothing to reset.\n",
            lesson.number,
            lesson.crate_path()
        )),
        Reset::Saved(patch) => print(&format!(
            "Saved your changes to {0}, then put {1} (and {2}) back as committed.\n\
             To bring your changes back: `git apply {0}`.\n",
            patch.display(),
            lesson.crate_path(),
            lesson.text_path()
        )),
    }
    Ok(0)
}

/// Builds and runs the lesson's crate with `flags`, through the same cargo that runs this runner.
fn run_lesson_crate(lesson: &Lesson, flags: &[String]) -> Result<u8, String> {
    let status = cargo()
        .args(["run", "--quiet", "--package", &lesson.crate_name, "--"])
        .args(flags)
        .status()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    // A lesson that fails to build has already shown the compiler's message; its status is cargo's own 101.
    Ok(status.code().map_or(1, |code| code.clamp(0, 255) as u8))
}

/// Runs the lesson's crate with `flags` and returns what it printed, as the lessons' tests capture it:
/// standard output, standard error, then `[exit status N]`. The compiler's messages are not part of it.
fn capture_lesson_crate(lesson: &Lesson, flags: &[String]) -> Result<String, String> {
    let build = cargo()
        .args(["build", "--quiet", "--package", &lesson.crate_name])
        .status()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    if !build.success() {
        return Err(format!("lesson {} does not build: the compiler's message is above", lesson.number));
    }
    let output = cargo()
        .args(["run", "--quiet", "--package", &lesson.crate_name, "--"])
        .args(flags)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    let status = output.status.code().unwrap_or(1);
    Ok(format!(
        "{}{}[exit status {status}]\n",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// The exit status that `capture_lesson_crate` wrote on the last line.
fn exit_status_of(captured: &str) -> u8 {
    captured
        .trim_end()
        .rsplit('\n')
        .next()
        .and_then(|line| line.strip_prefix("[exit status ")?.strip_suffix(']')?.parse().ok())
        .unwrap_or(1)
}

/// Runs a lesson's tests as CI does: with `CI` set, nothing is written (no snapshot, no lesson text), and
/// any difference fails.
fn test_lesson_crate(lesson: &Lesson) -> Result<TestRun, String> {
    let output = cargo()
        .args(["test", "--quiet", "--package", &lesson.crate_name])
        .env("CI", "true")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    Ok(TestRun {
        passed: output.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    })
}

/// A cargo command in the workspace, with the cargo that runs this runner (`CARGO`), or `cargo`.
fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(lessons::workspace_root());
    command
}

/// Prints `text` on standard output. A reader that went away (`cargo xtask list | head -3`) is not an error
/// worth a panic, so a failed write is ignored.
pub fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn long_lines_are_wrapped_between_words() {
        assert_eq!(wrap("one two three four", 9), ["one two", "three", "four"]);
        assert_eq!(wrap("", 9), Vec::<String>::new());
    }

    #[test]
    fn a_sweep_turns_workers_into_the_lessons_sweep_flag() {
        assert_eq!(sweep_flags(&[]).unwrap(), strings(&["--sweep", "1,2,3,5,10"]));
        assert_eq!(
            sweep_flags(&strings(&["--seed", "7", "--workers", "1,4"])).unwrap(),
            strings(&["--sweep", "1,4", "--seed", "7"])
        );
        assert_eq!(sweep_flags(&strings(&["--workers=2,8"])).unwrap(), strings(&["--sweep", "2,8"]));
        assert!(sweep_flags(&strings(&["--workers", "0,2"])).is_err());
    }

    #[test]
    fn a_sweep_over_queue_sizes_keeps_the_workers_flag() {
        assert_eq!(
            sweep_flags(&strings(&["--queue-sizes", "0,1,10", "--workers", "2"])).unwrap(),
            strings(&["--sweep-queue-sizes", "0,1,10", "--workers", "2"])
        );
        assert!(sweep_flags(&strings(&["--queue-sizes", "a"])).is_err());
    }
}
