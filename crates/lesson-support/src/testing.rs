//! Helpers for the lessons' tests.
//!
//! The main one keeps the lesson texts honest: a block of expected output in `lessons/*.md` is the real
//! output of the lesson, and a test fails when it is not.

use std::path::{Path, PathBuf};

use std::future::Future;
use std::time::Duration;

use clap::Parser;

use crate::harness::Harness;
use crate::lesson::Lesson;
use crate::run::{LessonOptions, execute, parse_for_test};
use crate::settings::Settings;
use crate::timeline::{Ending, Timeline};
use crate::transcript::Transcript;

/// Installs the lesson binaries' panic hook in this process, for a test of it.
pub fn install_panic_hook() {
    crate::exit::install_panic_hook();
}

/// The unexpected panic the hook kept, if any, for a test of it.
pub fn take_unexpected_panic() -> Option<String> {
    crate::exit::take_unexpected_panic()
}

/// The settings of a run with no flags.
pub fn default_settings() -> Settings {
    #[derive(Parser)]
    struct Defaults {
        #[command(flatten)]
        settings: Settings,
    }
    Defaults::parse_from(["lesson"]).settings
}

/// A run, as the invariant tests look at it: what it printed, its exit status, and what happened when.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Everything the run printed (its transcript and summary).
    pub output: String,
    /// Its exit status.
    pub status: u8,
    /// Who held which job when, and who waited when.
    pub timeline: Timeline,
}

/// Runs `lesson` with `args` in this process, recording its timeline. Panics on a mistake in `args`.
pub fn run_recorded<O, F, Fut>(about: Lesson, lesson: F, args: &[&str]) -> Recorded
where
    O: LessonOptions,
    F: Fn(Harness, O) -> Fut,
    Fut: Future<Output = ()>,
{
    let (mut settings, options) =
        parse_for_test::<O>(about, args).unwrap_or_else(|mistake| panic!("{mistake}"));
    settings.record_timeline = true;
    let outcome = execute(about, settings, options, Transcript::captured(false), &lesson);
    Recorded {
        output: outcome.transcript.into_captured(),
        status: outcome.status,
        timeline: outcome.timeline.expect("the timeline was recorded"),
    }
}

/// The promises every fixed lesson keeps, checked on a recorded run of `jobs` jobs with `workers` workers:
/// a clean exit, no watchdog, every task shut down, every job put on the queue once and ended once, and no
/// worker idle while a job waits. Returns what is wrong, or nothing.
pub fn broken_promises(recorded: &Recorded, jobs: usize, workers: usize) -> Vec<String> {
    let mut broken = Vec::new();
    let timeline = &recorded.timeline;
    if recorded.status != 0 {
        broken.push(format!("exit status {}", recorded.status));
    }
    if recorded.output.contains("The watchdog stopped the run") {
        broken.push("the watchdog fired".to_string());
    }
    let summary = Summary::of(&recorded.output);
    if summary.lost > 0 {
        broken.push(format!("{} jobs were lost", summary.lost));
    }
    let worker_rows: Vec<_> = timeline.rows.iter().filter(|row| row.name.starts_with("Worker-")).collect();
    if worker_rows.len() != workers {
        broken.push(format!("{} workers ran, not {workers}", worker_rows.len()));
    }
    for row in &timeline.rows {
        if !matches!(row.ended, Some((_, true))) {
            broken.push(format!("{} did not shut down cleanly", row.name));
        }
    }
    if timeline.queued.len() != jobs {
        broken.push(format!("{} jobs were put on the queue, not {jobs}", timeline.queued.len()));
    }

    // Every job ends once: its spans, in every worker's row, are retried attempts followed by one end.
    let mut spans_by_job: Vec<Vec<(Duration, Ending)>> = vec![Vec::new(); jobs + 1];
    for span in timeline.rows.iter().flat_map(|row| &row.spans) {
        match spans_by_job.get_mut(span.job) {
            Some(spans) => spans.push((span.start, span.ending)),
            None => broken.push(format!("job {} is not one of the {jobs} jobs", span.job)),
        }
    }
    for (job, spans) in spans_by_job.iter_mut().enumerate().skip(1) {
        spans.sort_by_key(|(start, _)| *start);
        let handed_back = timeline.returned.iter().filter(|(returned, _)| *returned == job).count();
        let endings = spans.iter().filter(|(_, ending)| *ending != Ending::Retrying).count() + handed_back;
        if endings != 1 || spans.last().is_some_and(|(_, ending)| *ending == Ending::Retrying) {
            broken.push(format!("job {job} ended {endings} times: {spans:?}"));
        }
    }

    // No worker waits for a job while one waits for a worker. A job waits from the moment it is made to the
    // start of its first attempt; only an overlap of some length counts, not two events at the same instant.
    for (job, made) in &timeline.queued {
        let Some((started, _)) = spans_by_job.get(*job).and_then(|spans| spans.first()) else {
            continue;
        };
        for row in &worker_rows {
            for (from, to) in &row.waits {
                if (*made).max(*from) < (*started).min(*to) {
                    broken.push(format!(
                        "{} waited from {from:?} to {to:?} while a job waited from {made:?} to {started:?}",
                        row.name
                    ));
                }
            }
        }
    }
    broken
}

/// The flags of a run with these settings, as a property test builds them.
pub fn settings_args(jobs: usize, workers: usize, queue_size: usize, seed: u64) -> Vec<String> {
    [
        ("--jobs", jobs.to_string()),
        ("--workers", workers.to_string()),
        ("--queue-size", queue_size.to_string()),
        ("--seed", seed.to_string()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_string(), value])
    .collect()
}

/// The summary at the end of a run, read back: what a test asserts on, rather than on the column-padded text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Jobs put on the queue, and `--jobs`.
    pub produced: usize,
    /// `--jobs`.
    pub jobs: usize,
    /// Jobs processed.
    pub processed: usize,
    /// Jobs failed, and reported as failed.
    pub failed: usize,
    /// Jobs parked in a dead-letter queue.
    pub dead_lettered: usize,
    /// Jobs handed back unstarted by a cancelled run.
    pub returned: usize,
    /// Jobs aborted at a shutdown's deadline.
    pub aborted: usize,
    /// Jobs lost.
    pub lost: usize,
    /// How long the run took, in seconds, on its clock.
    pub elapsed: f64,
    /// Tasks that shut down, and tasks in all.
    pub shut_down: (usize, usize),
    /// Each waiting line: who ("Producer", "Workers"), how long in all, in seconds, and for what.
    pub waits: Vec<(String, f64, String)>,
    /// The exit status, from the last line of a captured run.
    pub status: u8,
}

impl Summary {
    /// Reads the summary of a captured run (see [`crate::capture`]). Panics if there is none.
    pub fn of(output: &str) -> Summary {
        let (_, summary) =
            output.split_once("--- Summary ---\n").unwrap_or_else(|| panic!("no summary in:\n{output}"));
        let mut read = Summary::default();
        let number = |text: &str| -> usize {
            text.split(|c: char| !c.is_ascii_digit()).next().unwrap_or_default().parse().unwrap_or(0)
        };
        for line in summary.lines() {
            let line = line.trim_start();
            let field = |name: &str| line.strip_prefix(name).map(str::trim_start);
            if let Some(rest) = field("produced") {
                let (produced, jobs) = rest.split_once(" of ").unwrap_or((rest, "0"));
                read.produced = number(produced);
                read.jobs = number(jobs);
            } else if let Some(rest) = field("processed") {
                read.processed = number(rest);
            } else if let Some(rest) = field("failed") {
                read.failed = number(rest);
            } else if let Some(rest) = field("dead-lettered") {
                read.dead_lettered = number(rest);
            } else if let Some(rest) = field("returned") {
                read.returned = number(rest);
            } else if let Some(rest) = field("aborted") {
                read.aborted = number(rest);
            } else if let Some(rest) = field("lost") {
                read.lost = number(rest);
            } else if let Some(rest) = field("elapsed") {
                read.elapsed = rest.split('s').next().unwrap_or_default().parse().unwrap_or(0.0);
            } else if let Some(rest) = field("shut down") {
                let (done, all) = rest.split_once(" of ").unwrap_or((rest, "0"));
                read.shut_down = (number(done), number(all));
            } else if let Some((who, rest)) = line.split_once(" waited ") {
                let (seconds, what) = rest.split_once("s in all for ").unwrap_or((rest, ""));
                let what = what.split(" (").next().unwrap_or(what);
                read.waits.push((who.to_string(), seconds.parse().unwrap_or(0.0), what.to_string()));
            } else if let Some(status) = line.strip_prefix("[exit status ") {
                read.status = status.trim_end_matches(']').parse().unwrap_or(u8::MAX);
            }
        }
        read
    }

    /// How long `who` ("Producer", "Workers") waited in all for `what`, in seconds; 0 if no line says.
    pub fn waited(&self, who: &str, what: &str) -> f64 {
        self.waits
            .iter()
            .find(|(known, _, waited_for)| known == who && waited_for == what)
            .map_or(0.0, |(_, seconds, _)| *seconds)
    }

    /// Whether every job is accounted for and every task shut down, with exit status 0.
    pub fn is_clean(&self) -> bool {
        self.status == 0 && self.lost == 0 && self.shut_down.0 == self.shut_down.1
    }
}

/// The names of the tests that [`common_lesson_tests!`](crate::common_lesson_tests) writes, for the check
/// that every snapshot belongs to a test.
pub const COMMON_TESTS: [&str; 5] = [
    "help_lists_every_flag",
    "sweep_over_workers",
    "timeline_of_the_default_run",
    "the_lesson_text_shows_the_real_output",
    "the_lesson_text_shows_the_real_timeline",
];

/// The tests every lesson has, written once: snapshots of its `--help`, of its sweep over the number of
/// workers and of its default run's timeline, and the checks that its text (`lessons/<name>.md`) and its
/// picture (`lessons/timelines/<name>.svg`) show what the lesson really prints. `run` runs the lesson
/// with flags and returns what it prints, as [`crate::capture`] does.
///
/// ```ignore
/// lesson_support::common_lesson_tests!(run, "01-baseline");
/// ```
#[macro_export]
macro_rules! common_lesson_tests {
    ($run:path, $name:literal) => {
        /// The lesson's `--help`: every flag, and what it accepts.
        #[test]
        fn help_lists_every_flag() {
            ::insta::assert_snapshot!($run(&["--help"]));
        }

        /// The lesson with 1, 2, 3, 5 and 10 workers on the same workload (`cargo xtask sweep`).
        #[test]
        fn sweep_over_workers() {
            ::insta::assert_snapshot!($run(&["--sweep", "1,2,3,5,10"]));
        }

        /// The timeline of the default run, as the terminal shows it with `--timeline`.
        #[test]
        fn timeline_of_the_default_run() {
            ::insta::assert_snapshot!($run(&["--timeline", "--quiet"]));
        }

        /// Every block of output in the lesson text is what the lesson prints.
        #[test]
        fn the_lesson_text_shows_the_real_output() {
            $crate::testing::check_lesson_text(concat!("lessons/", $name, ".md"), $run);
        }

        /// The lesson text's picture is the timeline of the default run.
        #[test]
        fn the_lesson_text_shows_the_real_timeline() {
            $crate::testing::check_timeline_picture(concat!("lessons/timelines/", $name, ".svg"), $run);
        }
    };
}

/// The path of `relative` from the root of the workspace.
pub fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

/// The line that opens a block of generated output in a lesson text; the flags of the run follow it.
pub const OUTPUT_BEGINS: &str = "<!-- output of the run with flags:";
/// The line that closes it.
pub const OUTPUT_ENDS: &str = "<!-- end of output -->";

/// Checks that every block of output in the lesson text at `path` (relative to the workspace) is what
/// `run` prints for the flags its opening line names.
///
/// A block looks like this in the Markdown, where `run` gets `["--workers", "1"]`:
///
/// ````text
/// <!-- output of the run with flags: --workers 1 -->
/// ```text
/// ...
/// ```
/// <!-- end of output -->
/// ````
///
/// When a block is stale, the test fails with the difference; see [`ensure_file_contents`].
pub fn check_lesson_text(path: &str, run: impl Fn(&[&str]) -> String) {
    let text = std::fs::read_to_string(workspace_file(path))
        .unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
    let fresh = refresh_outputs(&text, run).unwrap_or_else(|mistake| panic!("{path}: {mistake}"));
    ensure_file_contents(path, &fresh);
}

/// Checks that the SVG picture at `path` (relative to the workspace) is the timeline of the run with no flags:
/// the picture a lesson text shows. Stale, it fails (see [`ensure_file_contents`]).
pub fn check_timeline_picture(path: &str, run: impl Fn(&[&str]) -> String) {
    let scratch = std::env::temp_dir().join(format!(
        "timeline-{}-{}.svg",
        std::process::id(),
        path.replace(['/', '.'], "-")
    ));
    let output = run(&["--quiet", "--timeline-svg", scratch.to_str().expect("a UTF-8 temporary path")]);
    let svg = std::fs::read_to_string(&scratch)
        .unwrap_or_else(|error| panic!("no picture was drawn ({error}):\n{output}"));
    let _ = std::fs::remove_file(&scratch);
    ensure_file_contents(path, &svg);
}

/// [`check_lesson_text`] for a lesson on threads (lesson 8), whose runs differ in which thread does what: a
/// block of output in its text is one run, and it is right as long as its sorted view
/// ([`sorted_view`](crate::sorted_view)) is the sorted view of a run now. A stale block is replaced by a run of
/// now (when blessed). Its blocks are not indented.
pub fn check_lesson_text_of_threads(path: &str, run: impl Fn(&[&str]) -> String) {
    let text = std::fs::read_to_string(workspace_file(path))
        .unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
    let mut fresh = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        fresh.push_str(line);
        fresh.push('\n');
        let Some(flags) = line.trim().strip_prefix(OUTPUT_BEGINS).and_then(|rest| rest.strip_suffix("-->"))
        else {
            continue;
        };
        let block: Vec<&str> = lines.by_ref().take_while(|old| old.trim() != OUTPUT_ENDS).collect();
        let shown: String = block
            .iter()
            .filter(|line| !line.trim_start().starts_with("```"))
            .map(|line| format!("{line}\n"))
            .collect();
        let args: Vec<&str> = flags.split_whitespace().collect();
        let now = run(&args);
        let kept = if crate::sorted_view(&shown) == crate::sorted_view(&now) { shown } else { now };
        fresh.push_str("```text\n");
        fresh.push_str(&kept);
        fresh.push_str("```\n");
        fresh.push_str(OUTPUT_ENDS);
        fresh.push('\n');
    }
    ensure_file_contents(path, &fresh);
}

/// [`check_timeline_picture`] for a lesson on threads: the picture is the timeline of one run, right as long as
/// it draws the rows that a run draws now.
pub fn check_timeline_picture_of_threads(path: &str, run: impl Fn(&[&str]) -> String) {
    let scratch = std::env::temp_dir().join(format!("timeline-{}-threads.svg", std::process::id()));
    let output = run(&["--quiet", "--timeline-svg", scratch.to_str().expect("a UTF-8 temporary path")]);
    let svg = std::fs::read_to_string(&scratch)
        .unwrap_or_else(|error| panic!("no picture was drawn ({error}):\n{output}"));
    let _ = std::fs::remove_file(&scratch);
    let committed = std::fs::read_to_string(workspace_file(path)).unwrap_or_default();
    let rows = |svg: &str| -> Vec<String> {
        svg.split(">")
            .filter_map(|piece| piece.split_once("</text").map(|(row, _)| row.to_string()))
            .filter(|row| row == "Producer" || row.starts_with("Worker-"))
            .collect()
    };
    if committed.starts_with("<svg") && rows(&committed) == rows(&svg) {
        return;
    }
    ensure_file_contents(path, &svg);
}

/// The variable that lets [`ensure_file_contents`] rewrite a stale file: `cargo xtask bless` sets it.
pub const BLESS: &str = "COURSE_BLESS";

/// Fails unless the file at `path` (relative to the workspace) holds `fresh`, a text generated from the code,
/// and shows how they differ.
///
/// A test never rewrites a file on its own: a plain `cargo test` leaves every tracked file as it is. Only
/// when [`BLESS`] is set (`cargo xtask bless`) is the stale file rewritten, for the learner or the author to
/// review with `git diff`.
pub fn ensure_file_contents(path: &str, fresh: &str) {
    check_or_bless(path, fresh, std::env::var_os(BLESS).is_some());
}

/// [`ensure_file_contents`], told whether to bless.
fn check_or_bless(path: &str, fresh: &str, bless: bool) {
    let file = workspace_file(path);
    let old = std::fs::read_to_string(&file).unwrap_or_default();
    if old == fresh {
        return;
    }
    if bless {
        std::fs::write(&file, fresh).unwrap_or_else(|error| panic!("cannot write {path}: {error}"));
        return;
    }
    let difference = similar::TextDiff::from_lines(old.as_str(), fresh)
        .unified_diff()
        .context_radius(1)
        .header(&format!("{path} (as it is)"), "what the code makes now")
        .to_string();
    let shown: Vec<&str> = difference.lines().take(30).collect();
    panic!(
        "{path} is stale: the text generated from the code differs from the file.\n{}\n\
         If the change is meant, `cargo xtask bless` rewrites it; review it with `git diff`.",
        shown.join("\n")
    );
}

/// `text` with the content of every output block replaced by what `run` prints now. A block may be
/// indented (inside a list item); its content is indented as its opening line is.
pub fn refresh_outputs(text: &str, run: impl Fn(&[&str]) -> String) -> Result<String, String> {
    refresh_blocks(text, OUTPUT_BEGINS, |flags| {
        let args: Vec<&str> = flags.split_whitespace().collect();
        run(&args)
    })
}

/// `text` with every generated block that opens with `opening` replaced: the block's content becomes what
/// `generate` makes from the rest of the opening line (up to its `-->`). Fails if there is no such block.
pub fn refresh_blocks(
    text: &str,
    opening: &str,
    generate: impl Fn(&str) -> String,
) -> Result<String, String> {
    let mut fresh = String::new();
    let mut lines = text.lines();
    let mut blocks = 0;
    while let Some(line) = lines.next() {
        fresh.push_str(line);
        fresh.push('\n');
        let trimmed = line.trim_start();
        let Some(rest) = trimmed.strip_prefix(opening) else {
            continue;
        };
        let indent = &line[..line.len() - trimmed.len()];
        let what =
            rest.trim().strip_suffix("-->").ok_or("a generated block's opening line must end in -->")?;
        let what = what.trim();
        // Skip the old content, up to and including the closing line.
        if !lines.by_ref().any(|old| old.trim() == OUTPUT_ENDS) {
            return Err(format!("the generated block `{what}` has no `{OUTPUT_ENDS}` line"));
        }
        let mut block = String::from("```text\n");
        block.push_str(&generate(what));
        block.push_str("```\n");
        block.push_str(OUTPUT_ENDS);
        for generated in block.lines() {
            if !generated.is_empty() {
                fresh.push_str(indent);
                fresh.push_str(generated);
            }
            fresh.push('\n');
        }
        blocks += 1;
    }
    if blocks == 0 {
        return Err(format!("it has no generated block that opens with `{opening}`"));
    }
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_blocks_are_replaced_by_what_the_run_prints() {
        let text = "# Lesson\n<!-- output of the run with flags: --workers 1 -->\n```text\nold\n```\n<!-- end of output -->\nafter\n";
        let fresh = refresh_outputs(text, |args| format!("ran with {args:?}\n")).unwrap();
        assert_eq!(
            fresh,
            "# Lesson\n<!-- output of the run with flags: --workers 1 -->\n```text\nran with [\"--workers\", \"1\"]\n```\n<!-- end of output -->\nafter\n"
        );
    }

    #[test]
    fn an_indented_block_stays_indented() {
        let text = "1. Try it:\n   <!-- output of the run with flags: -->\n   ```text\n   ```\n   <!-- end of output -->\n";
        let fresh = refresh_outputs(text, |_| "a\n\nb\n".to_string()).unwrap();
        assert_eq!(
            fresh,
            "1. Try it:\n   <!-- output of the run with flags: -->\n   ```text\n   a\n\n   b\n   ```\n   <!-- end of output -->\n"
        );
    }

    #[test]
    fn a_stale_file_fails_with_the_difference_and_is_left_as_it_is() {
        let path = format!("target/ensure-file-contents-{}.txt", std::process::id());
        std::fs::write(workspace_file(&path), "old line\n").unwrap();
        let failure = std::panic::catch_unwind(|| check_or_bless(&path, "new line\n", false)).unwrap_err();
        let message = crate::failures::panic_message(failure);
        assert!(message.contains("-old line\n+new line"), "{message}");
        assert_eq!(
            std::fs::read_to_string(workspace_file(&path)).unwrap(),
            "old line\n",
            "a test never rewrites"
        );
        std::fs::remove_file(workspace_file(&path)).unwrap();
    }

    #[test]
    fn an_unclosed_block_is_a_mistake() {
        let text = "<!-- output of the run with flags: -->\n```text\n";
        assert!(refresh_outputs(text, |_| String::new()).is_err());
    }
}
