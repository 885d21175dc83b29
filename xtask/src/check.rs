//! `cargo xtask check`: the learner's self-check, one honest verdict per lesson.
//!
//! A lesson is judged by what its runs guarantee, not by an exit status alone, and by whether it still
//! prints what its reference says:
//!
//! 1. It must build; if it does not, the verdict is the compiler's first errors.
//! 2. Its runs, the default one and those its catalogue names, are judged by what a correct pipeline
//!    guarantees (`guarantees.rs`), from the facts each run reports (`--report`).
//! 3. Its default run is compared with its reference, the snapshot `tests/snapshots/lesson__default_run.snap`.
//! 4. A hand-written queue (lessons 3, 4 and 5) is explored under a thousand orderings of each of its
//!    scenarios (`explore.rs`): a fix that passes the one ordering of a deterministic run by luck fails here.
//! 5. Its tests run as CI runs them, every one of them (no fail-fast); a test that failed only because the
//!    output changed is counted with the output, not as a broken promise.
//!
//! A lesson whose code is the reference (1, 3, 4, 5) is `ok`, `changed` (every promise kept, but the output is
//! not the reference's) or `broken` (a promise broken, named in a sentence). The broken lesson (2) gets a
//! progress verdict instead: which of its breaks are fixed, and which remain; its output is meant to differ
//! from its reference once a break is fixed.

use std::fmt::Write;

use similar::TextDiff;

use crate::catalogue::{Break, Catalogue};
use crate::failure::Failure;
use crate::guarantees;
use crate::lessons::Lesson;
use crate::workspace::{EXIT_STOPPED, Limited, RUN_LIMIT, Run, Workspace, print, run_with_limit};

/// Which of a lesson's tests the check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tests {
    /// None: the runs alone, for a verdict in a second.
    None,
    /// The lesson's own tests (`src/` and `tests/lesson.rs`): everything but the slow ones.
    Lesson,
    /// Every test of the lesson's crate: with the properties over hundreds of runs, and Ctrl-C on the wall
    /// clock.
    All,
}

/// The verdict on one lesson.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The lesson does not compile: what the compiler said first.
    DoesNotBuild(String),
    /// A lesson whose code is the reference.
    Reference {
        /// The default run's output against the reference, if they differ, and the command that prints it.
        difference: Option<(String, Difference)>,
        /// Each broken guarantee: the command of the run that broke it, and the sentence that names it.
        broken: Vec<(String, String)>,
        /// The tests, if they ran.
        tests: Option<TestResults>,
    },
    /// The broken lesson: each break, and what still shows it (nothing once it is fixed).
    Progress(Vec<(Break, String, Vec<String>)>),
}

/// How the default run's output differs from its reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The changed lines, as a unified diff with a line of context: `-` the reference, `+` the lesson now.
    pub lines: String,
    /// How many lines differ in all.
    pub count: usize,
}

/// What running a lesson's tests gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestResults {
    /// How many passed.
    pub passed: usize,
    /// The tests that failed because the lesson prints something else than before (a snapshot, a lesson
    /// text): the consequence of a changed output, not a broken promise.
    pub output_changed: Vec<String>,
    /// The other failed tests, with the first line of what each said.
    pub failed: Vec<(String, String)>,
}

/// The kind of a verdict, as an exercise of the catalogue expects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Every promise kept, the output as the reference's.
    Ok,
    /// Every promise kept, another output.
    Changed,
    /// A promise broken.
    Broken,
    /// Does not compile.
    DoesNotBuild,
    /// The broken lesson with these breaks fixed (all of them: `Ok`).
    Fixed(Vec<String>),
}

/// `cargo xtask check [N] [--full]`: each lesson's verdict, and a status of 0 only if every one passed.
pub fn run(wanted: Option<&str>, tests: Tests) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = crate::lessons::load(&course.root)?;
    let chosen: Vec<&Lesson> = match wanted {
        Some(wanted) => vec![crate::lessons::find(&lessons, wanted)?],
        None => lessons.iter().collect(),
    };
    let mut every_one_passed = true;
    for lesson in &chosen {
        print(&format!("Checking lesson {} ({})...\n", lesson.number, lesson.crate_name));
        let catalogue = Catalogue::load(&course.root, lesson)?;
        let verdict = judge(&course, lesson, &catalogue, tests)?;
        if crate::interrupt::pressed() {
            return Err(Failure::Interrupted(format!(
                "Stopped by Ctrl-C while checking lesson {}: no verdict.",
                lesson.number
            )));
        }
        let text = verdict.render(lesson);
        print(&text);
        let mut progress = crate::progress::Progress::load(&course.root);
        if let Some(exercise) = progress.note(lesson, &catalogue, &verdict, &text) {
            print(&format!("     That is the exercise `{exercise}` of the lesson's catalogue: done.\n"));
        }
        progress.save(&course.root);
        every_one_passed &= verdict.passed();
    }
    if every_one_passed && chosen.len() > 1 {
        print("Every lesson checked passes.\n");
    }
    Ok(if every_one_passed { 0 } else { 1 })
}

/// Judges one lesson of `workspace`: builds it, runs it, compares it, and runs its tests as `tests` says.
pub fn judge(
    workspace: &Workspace,
    lesson: &Lesson,
    catalogue: &Catalogue,
    tests: Tests,
) -> Result<Verdict, String> {
    if let Err(compiler) = workspace.build_quietly(lesson) {
        return Ok(Verdict::DoesNotBuild(first_errors(&compiler)));
    }
    let awkward_runs = awkward_runs(catalogue);
    if !catalogue.breaks.is_empty() {
        let mut breaks = Vec::new();
        for one in &catalogue.breaks {
            let (mut command, run) =
                run_allowing_removed_flags(workspace, lesson, &one.flags, &one.optional)?;
            let mut found = symptoms(&run, &one.flags);
            // A break is fixed only if its run keeps every promise on every awkward workload too: a fix tuned
            // to the steady one (a worker that gives up after a few seconds without a job) is not a fix.
            for awkward in &awkward_runs {
                if !found.is_empty() {
                    break;
                }
                let flags: Vec<String> = one.flags.iter().chain(awkward).cloned().collect();
                let (awkward_command, run) =
                    run_allowing_removed_flags(workspace, lesson, &flags, &one.optional)?;
                found = symptoms(&run, &flags);
                // The command shown is the break's own, unless an awkward run is what shows it still there.
                if !found.is_empty() {
                    command = awkward_command;
                }
            }
            breaks.push((one.clone(), command, found));
        }
        return Ok(Verdict::Progress(breaks));
    }

    let mut broken = Vec::new();
    // On threads, which worker does what, and when to the millisecond, changes from run to run: the reference
    // is what does not, the run's sorted view (`--sorted`).
    let default_flags = reference_flags(catalogue);
    // Lesson 9's runs share one throwaway server, instead of starting one each (a second apiece), unless the
    // learner gave one in DATABASE_URL. If lesson 9's program cannot serve one, each run starts its own, and
    // says why it cannot.
    let server = (lesson.crate_name == "postgres-queue" && std::env::var_os("DATABASE_URL").is_none())
        .then(|| crate::workspace::ThrowawayServer::start(&workspace.program(lesson)).ok())
        .flatten();
    let database_url = server.as_ref().map(|server| server.url.as_str());
    let started = std::time::Instant::now();
    let default = workspace.capture_with(lesson, &default_flags, true, database_url)?;
    // On the simulated clock a run takes milliseconds of real time. One that takes seconds blocks its thread
    // (lesson 1's Alter it 5, `std::thread::sleep` in a worker), and every awkward run would take as long
    // again, the slow job's a hundred times more: they are left out, and the default run and the catalogue's
    // runs judge it.
    let awkward_runs = match started.elapsed() < A_RUN_THAT_BLOCKS {
        true => awkward_runs,
        false => Vec::new(),
    };
    for sentence in symptoms(&default, &[]) {
        broken.push((command(lesson, &[]), sentence));
    }
    for flags in catalogue.runs.iter().chain(&awkward_runs) {
        let run = workspace.capture_with(lesson, flags, true, database_url)?;
        for sentence in symptoms(&run, flags) {
            broken.push((command(lesson, flags), sentence));
        }
    }
    // A hand-written queue is also tried in the orderings that one deterministic run never produces.
    broken.extend(crate::explore::broken_promise(workspace, lesson)?);
    let reference = reference_output(workspace, lesson)?;
    let difference =
        compare(&reference, &default.output).map(|difference| (command(lesson, &default_flags), difference));
    let tests = match tests {
        Tests::None => None,
        Tests::Lesson | Tests::All => Some(run_tests(workspace, lesson, tests)?),
    };
    Ok(Verdict::Reference { difference, broken, tests })
}

/// The workloads on which every check also judges a lesson on the simulated clock, beside its default run:
/// shapes that no fix tuned to the default passes (a producer that stops for far longer than any timeout,
/// jobs in bursts, one job a hundred times slower), and counts that are not 20 jobs nor a multiple of the
/// workers. On the simulated clock they cost milliseconds; lessons 8 and 9 run on the wall clock, where a pause
/// of 1,000 s would take 20 s, and are judged on their own runs.
const AWKWARD_RUNS: [&[&str]; 5] = [
    &["--workload", "pauses"],
    &["--workload", "bursts"],
    &["--workload", "slow-job"],
    &["--jobs", "7", "--workers", "4"],
    &["--jobs", "23", "--workers", "4"],
];

/// The real time past which a run on the simulated clock is taken for one that blocks its thread.
const A_RUN_THAT_BLOCKS: std::time::Duration = std::time::Duration::from_secs(5);

/// The awkward runs of a lesson (see [`AWKWARD_RUNS`]): none for a lesson on the wall clock, whose reference
/// is its sorted view.
fn awkward_runs(catalogue: &Catalogue) -> Vec<Vec<String>> {
    if catalogue.sorted_reference {
        return Vec::new();
    }
    AWKWARD_RUNS.iter().map(|flags| flags.iter().map(|flag| flag.to_string()).collect()).collect()
}

/// What a run shows wrong: the guarantees it breaks, or that its flags were refused.
fn symptoms(run: &Run, flags: &[String]) -> Vec<String> {
    match &run.report {
        Some(report) => guarantees::broken(report, flags),
        None if run.status == EXIT_STOPPED => vec![format!(
            "the program did not end within {} seconds of real time, and was stopped: something blocks its \
             thread (a blocking call, a loop that never reaches an `.await`), which the watchdog cannot see",
            RUN_LIMIT.as_secs()
        )],
        None if run.output.contains("error: the lesson itself panicked: ") => {
            let message = run.output.split("error: the lesson itself panicked: ").nth(1).unwrap_or_default();
            vec![format!(
                "a panic escaped the lesson and ended the whole run, every job in flight with it, before any \
                 summary: {}",
                message.lines().next().unwrap_or_default()
            )]
        }
        None if run.status == 2 => {
            vec![format!("the lesson refused the flags: {}", run.output.lines().next().unwrap_or_default())]
        }
        None => vec![format!(
            "the run ended with exit status {} before it could report anything: {}",
            run.status,
            run.output.lines().rev().nth(1).unwrap_or_default()
        )],
    }
}

/// Runs the lesson with `flags`; if it refuses one of `optional` (a fix removed it), runs it again without.
/// Returns the command that ran, and its run.
fn run_allowing_removed_flags(
    workspace: &Workspace,
    lesson: &Lesson,
    flags: &[String],
    optional: &[String],
) -> Result<(String, Run), String> {
    let run = workspace.capture(lesson, flags, true)?;
    let refused_optional = run.status == 2 && optional.iter().any(|flag| run.output.contains(flag.as_str()));
    if !refused_optional {
        return Ok((command(lesson, flags), run));
    }
    let kept: Vec<String> = flags.iter().filter(|flag| !optional.contains(flag)).cloned().collect();
    let run = workspace.capture(lesson, &kept, true)?;
    Ok((command(lesson, &kept), run))
}

/// The command that makes a run: `cargo xtask lesson 2 --fail-job 7`.
pub fn command(lesson: &Lesson, flags: &[String]) -> String {
    let mut command = format!("cargo xtask lesson {}", lesson.number);
    for flag in flags {
        command.push(' ');
        command.push_str(flag);
    }
    command
}

/// The flags of the run compared with the reference: none, or `--sorted` for a lesson whose runs differ in
/// which thread does what.
fn reference_flags(catalogue: &Catalogue) -> Vec<String> {
    if catalogue.sorted_reference { vec!["--sorted".to_string()] } else { Vec::new() }
}

/// The reference of the lesson's default run: its snapshot, without insta's header.
fn reference_output(workspace: &Workspace, lesson: &Lesson) -> Result<String, String> {
    let path = format!("{}/tests/snapshots/lesson__default_run.snap", lesson.crate_path());
    let snapshot = std::fs::read_to_string(workspace.file(&path))
        .map_err(|error| format!("cannot read {path}: {error}"))?;
    // The header is a block between two `---` lines.
    let body = snapshot
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, body)| body)
        .ok_or_else(|| format!("{path} is not an insta snapshot"))?;
    Ok(body.to_string())
}

/// How many changed lines a verdict shows before it says how many more there are.
const LINES_SHOWN: usize = 12;

/// The difference between the reference and the output now, if any: the changed lines with one line of
/// context.
pub fn compare(reference: &str, now: &str) -> Option<Difference> {
    let (reference, now) = (reference.trim_end(), now.trim_end());
    if reference == now {
        return None;
    }
    let diff = TextDiff::from_lines(reference, now);
    let count = diff.iter_all_changes().filter(|change| change.tag() != similar::ChangeTag::Equal).count();
    let unified = diff.unified_diff().context_radius(1).to_string();
    let mut shown: Vec<&str> = unified.lines().collect();
    let more = shown.len().saturating_sub(LINES_SHOWN);
    shown.truncate(LINES_SHOWN);
    let mut lines = shown.join("\n");
    lines.push('\n');
    if more > 0 {
        let _ = writeln!(lines, "... and more: `cargo xtask diff` compares whole runs");
    }
    Some(Difference { lines, count: count.max(1) })
}

/// How long a lesson's tests may take on the wall clock, builds included, before the check stops them: a
/// change can make a test wait for ever.
const TESTS_LIMIT: std::time::Duration = std::time::Duration::from_secs(180);

/// Runs the lesson's tests as CI does, every one of them, and sorts their failures.
fn run_tests(workspace: &Workspace, lesson: &Lesson, tests: Tests) -> Result<TestResults, String> {
    let mut command = workspace.cargo();
    command.args(["test", "--quiet", "--color", "never", "--no-fail-fast", "--package", &lesson.crate_name]);
    if tests == Tests::Lesson {
        command.args(["--lib", "--test", "lesson"]);
    }
    // As CI runs them: nothing written, whatever the learner's shell says (`INSTA_UPDATE`, the course's own
    // leave to rewrite).
    command
        .env("CI", "true")
        .env("RUST_BACKTRACE", "0")
        .env_remove("INSTA_UPDATE")
        .env_remove(crate::bless::BLESS);
    let scratch = workspace.target.join(format!("tests-{}-{}", lesson.crate_name, std::process::id()));
    let ran = run_with_limit(&mut command, TESTS_LIMIT, &scratch)?;
    let mut results = parse_test_output(&format!("{}{}", ran.stdout, ran.stderr));
    if ran.status.is_none() {
        // libtest names a test that runs for over a minute; that is the one that waits for ever.
        let stuck: Vec<String> = ran
            .stderr
            .lines()
            .filter_map(|line| line.strip_prefix("test ")?.split_once(" has been running for over")?.0.into())
            .map(str::to_string)
            .collect();
        let names = if stuck.is_empty() { "one of them".to_string() } else { stuck.join(", ") };
        results.failed.push((
            "(the tests did not finish)".to_string(),
            format!("they were stopped after {} seconds: {names} waits for ever", TESTS_LIMIT.as_secs()),
        ));
    }
    // A test that does not compile runs no test at all: "0 tests pass" would read as a pass. The lesson itself
    // builds (that was checked first), so it is a test that calls what the change altered.
    if results.failed.is_empty()
        && results.output_changed.is_empty()
        && let Some(error) = tests_that_do_not_build(&ran)
    {
        results.failed.push(("(the tests do not build)".to_string(), error));
    }
    Ok(results)
}

/// The compiler's first error and where it is, if the tests did not build.
fn tests_that_do_not_build(ran: &Limited) -> Option<String> {
    if ran.status == Some(0) || !ran.stderr.contains("error: could not compile") {
        return None;
    }
    let errors = first_errors(&ran.stderr);
    Some(errors.lines().take(2).map(str::trim).collect::<Vec<_>>().join(" "))
}

/// Reads libtest's output: how many passed, and each failed test with its first message line.
pub fn parse_test_output(output: &str) -> TestResults {
    let mut results = TestResults {
        passed: output
            .lines()
            .filter_map(|line| line.strip_prefix("test result: "))
            .filter_map(|rest| rest.split_once(". ")?.1.split(' ').next()?.parse::<usize>().ok())
            .sum(),
        ..TestResults::default()
    };
    // Each failure's output is a block that starts with `---- name stdout ----`.
    let mut blocks = output.split("\n---- ").skip(1);
    for block in blocks.by_ref() {
        let Some((name, rest)) = block.split_once(" stdout ----") else {
            continue;
        };
        // The test's own panic is the last one of its block: a deliberate panic in a task it spawned may come
        // first.
        let lines: Vec<&str> = rest.lines().collect();
        let message = lines
            .iter()
            .rposition(|line| line.contains("panicked at"))
            .and_then(|at| lines.get(at + 1))
            .unwrap_or(&"")
            .trim()
            .to_string();
        let name = name.trim().to_string();
        if message.starts_with("snapshot assertion for") || message.contains("is stale") {
            results.output_changed.push(name);
        } else {
            results.failed.push((name, message));
        }
    }
    results.output_changed.sort();
    results.failed.sort();
    results
}

/// The compiler's first errors, without the lines about the build that failed.
fn first_errors(compiler: &str) -> String {
    let mut text = String::new();
    let mut errors = 0;
    for line in compiler.lines() {
        if line.starts_with("error: could not compile") || line.starts_with("warning: build failed") {
            continue;
        }
        if line.starts_with("error") {
            errors += 1;
            if errors > 2 {
                break;
            }
        }
        if errors > 0 {
            text.push_str(line);
            text.push('\n');
        }
    }
    if text.is_empty() { compiler.trim_end().to_string() } else { text.trim_end().to_string() }
}

impl Verdict {
    /// The verdict's kind, for the exercise catalogue.
    /// What an exercise's words are looked for in, to recognise it (`rendered` is the verdict as shown). A
    /// broken lesson is recognised by what broke: the sentence of each broken promise with the command that
    /// shows it, and each failed test with what it said; never by the lines the run prints, which every run
    /// shares (the summary's `lost 0`). Any other verdict, by all it shows.
    pub fn evidence(&self, rendered: &str) -> String {
        match self {
            Verdict::Reference { broken, tests, .. } if self.kind() == Kind::Broken => {
                let sentences = broken.iter().map(|(command, sentence)| format!("{sentence} (`{command}`)"));
                let failed = tests.iter().flat_map(|tests| &tests.failed);
                let failed = failed.map(|(test, message)| format!("the test `{test}` failed: {message}"));
                sentences.chain(failed).collect::<Vec<_>>().join("\n")
            }
            _ => rendered.to_string(),
        }
    }

    /// The kind of verdict, as the catalogue names it.
    pub fn kind(&self) -> Kind {
        match self {
            Verdict::DoesNotBuild(_) => Kind::DoesNotBuild,
            Verdict::Reference { difference, broken, tests } => {
                let failed_tests = tests.as_ref().is_some_and(|tests| !tests.failed.is_empty());
                if !broken.is_empty() || failed_tests {
                    Kind::Broken
                } else if difference.is_some()
                    || tests.as_ref().is_some_and(|tests| !tests.output_changed.is_empty())
                {
                    Kind::Changed
                } else {
                    Kind::Ok
                }
            }
            Verdict::Progress(breaks) => {
                let fixed: Vec<String> = breaks
                    .iter()
                    .filter(|(_, _, symptoms)| symptoms.is_empty())
                    .map(|(one, _, _)| one.id.clone())
                    .collect();
                if fixed.len() == breaks.len() { Kind::Ok } else { Kind::Fixed(fixed) }
            }
        }
    }

    /// Whether the lesson passed its check.
    pub fn passed(&self) -> bool {
        self.kind() == Kind::Ok
    }

    /// The verdict in words, for the terminal.
    pub fn render(&self, lesson: &Lesson) -> String {
        let name = format!("Lesson {} ({})", lesson.number, lesson.crate_name);
        match self {
            Verdict::DoesNotBuild(errors) => format!(
                "FAIL {name} does not build. The compiler says:\n{}\n     Fix the code, or undo your change: \
                 `cargo xtask reset {}`.\n",
                indent(errors),
                lesson.number
            ),
            Verdict::Reference { difference, broken, tests } => {
                render_reference(&name, lesson, difference, broken, tests, self.kind())
            }
            Verdict::Progress(breaks) => render_progress(&name, lesson, breaks),
        }
    }
}

fn render_reference(
    name: &str,
    lesson: &Lesson,
    difference: &Option<(String, Difference)>,
    broken: &[(String, String)],
    tests: &Option<TestResults>,
    kind: Kind,
) -> String {
    let mut text = match kind {
        Kind::Ok => {
            let tests = tests
                .as_ref()
                .map_or(String::new(), |tests| format!(", and its {} tests pass", tests.passed));
            return format!("ok   {name} keeps every promise and prints what its reference says{tests}.\n");
        }
        // Not a failure: a change that keeps every promise may be what the learner meant (an experiment of
        // the text's). `FAIL` is for a broken promise.
        Kind::Changed => {
            format!("diff {name} keeps every promise, and prints something else than its reference.\n")
        }
        _ => format!("FAIL {name} breaks a promise.\n"),
    };
    if let Some((printed_by, difference)) = difference {
        let _ = writeln!(
            text,
            "     What `{printed_by}` prints now, against its reference (- reference, + now; {} line{} differ{}):",
            difference.count,
            if difference.count == 1 { "" } else { "s" },
            if difference.count == 1 { "s" } else { "" },
        );
        text.push_str(&indent(&difference.lines));
    }
    if !broken.is_empty() || tests.as_ref().is_some_and(|tests| !tests.failed.is_empty()) {
        text.push_str("     What is wrong:\n");
        for (command, sentence) in broken {
            text.push_str(&bullet(&format!("{sentence} (`{command}`)"), 7));
        }
        for (test, message) in tests.iter().flat_map(|tests| &tests.failed) {
            text.push_str(&bullet(&format!("the test `{test}` failed: {message}"), 7));
        }
    }
    if let Some(tests) = tests.as_ref().filter(|tests| !tests.output_changed.is_empty()) {
        let names: Vec<String> = tests.output_changed.iter().map(|name| name.replace('_', " ")).collect();
        let one = tests.output_changed.len() == 1;
        let sentence = format!(
            "{} that compare{} the output fail{} for that reason: {}.",
            count(tests.output_changed.len(), "test", "tests"),
            if one { "s" } else { "" },
            if one { "s" } else { "" },
            names.join("; ")
        );
        for line in crate::workspace::wrap(&sentence, WIDTH - 5) {
            let _ = writeln!(text, "     {line}");
        }
    }
    if kind == Kind::Changed {
        let _ = writeln!(
            text,
            "     An experiment of the lesson's text? Then this is what it shows: `cargo xtask reset {0}` puts the\n     \
             lesson back when you are done. If you meant to change the lesson for good: `cargo xtask bless {0}`\n     \
             overwrites its reference (its snapshots, and the runs shown in its text); read `git diff` first.",
            lesson.number
        );
    } else {
        // The run that shows it: the first that broke a promise, or the one whose difference is shown.
        let shown_by = broken
            .first()
            .map(|(command, _)| command.clone())
            .or_else(|| difference.as_ref().map(|(printed_by, _)| printed_by.clone()))
            .unwrap_or_else(|| format!("cargo xtask lesson {}", lesson.number));
        let _ = writeln!(
            text,
            "     To see it whole: `{shown_by}`. To undo your change: `cargo xtask reset {}`.",
            lesson.number
        );
    }
    text
}

fn render_progress(name: &str, lesson: &Lesson, breaks: &[(Break, String, Vec<String>)]) -> String {
    let remaining = breaks.iter().filter(|(_, _, symptoms)| !symptoms.is_empty()).count();
    let mut text = if remaining == 0 {
        format!(
            "ok   {name}: every break is fixed. Compare your fixes with lesson {}'s: `cargo xtask diff {} {}`.\n",
            lesson.number + 1,
            lesson.number,
            lesson.number + 1
        )
    } else {
        format!(
            "FAIL {name}: {} of {} remain{}.\n",
            count(remaining, "break", "breaks"),
            breaks.len(),
            if remaining == 1 { "s" } else { "" }
        )
    };
    for (one, command, symptoms) in breaks {
        if symptoms.is_empty() {
            let _ = writeln!(text, "     fixed  {}: {}, no more (`{command}`)", one.place, one.name);
        } else {
            let _ = writeln!(text, "     not yet {}: {} (`{command}`):", one.place, one.name);
            for symptom in symptoms {
                text.push_str(&bullet(symptom, 14));
            }
        }
    }
    if remaining > 0 {
        let _ = writeln!(
            text,
            "     Fix them in {}/src/lib.rs; `cargo xtask hint {}` gives a hint.",
            lesson.crate_path(),
            lesson.number
        );
    }
    text
}

/// How wide a verdict's lines are, at most: a terminal of 100 columns.
const WIDTH: usize = 100;

/// `sentence` as an item of a list, indented by `indent`, its long lines wrapped under its first word.
fn bullet(sentence: &str, indent: usize) -> String {
    let lines = crate::workspace::wrap(sentence, WIDTH - indent - 2);
    let mut text = String::new();
    for (number, line) in lines.iter().enumerate() {
        let mark = if number == 0 { "- " } else { "  " };
        let _ = writeln!(text, "{:indent$}{mark}{line}", "");
    }
    text
}

/// `text` indented under a verdict.
fn indent(text: &str) -> String {
    text.lines().map(|line| format!("       {line}\n")).collect()
}

/// "1 test" or "3 tests".
fn count(number: usize, one: &str, many: &str) -> String {
    if number == 1 { format!("1 {one}") } else { format!("{number} {many}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_lines_are_shown_with_a_line_of_context() {
        let difference = compare("a\nb\nc\nd\n", "a\nB\nc\nd\n").unwrap();
        assert_eq!(difference.count, 2);
        assert_eq!(difference.lines, "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
        assert_eq!(compare("same\n", "same"), None, "a last newline is not a difference");
    }

    #[test]
    fn a_long_difference_is_cut_short() {
        let reference: String = (0..40).map(|n| format!("{n}\n")).collect();
        let now: String = (0..40).map(|n| format!("{}\n", n * 2)).collect();
        let difference = compare(&reference, &now).unwrap();
        assert_eq!(difference.lines.lines().count(), LINES_SHOWN + 1);
        assert!(difference.lines.ends_with("`cargo xtask diff` compares whole runs\n"));
    }

    #[test]
    fn test_failures_are_sorted_into_output_changes_and_broken_promises() {
        let output = "running 3 tests\n\nfailures:\n\n---- default_run stdout ----\n\nthread 'default_run' (9) \
                      panicked at /x/insta/runtime.rs:1:1:\nsnapshot assertion for 'default_run' failed in line 3\n\n\
                      ---- every_job_once stdout ----\n\nthread 'every_job_once' (9) panicked at tests/lesson.rs:9:9:\n\
                      job 3 lost\nnote: run with `RUST_BACKTRACE=1`\n\nfailures:\n    default_run\n    every_job_once\n\n\
                      test result: FAILED. 1 passed; 2 failed; 0 ignored\n";
        let results = parse_test_output(output);
        assert_eq!(results.passed, 1);
        assert_eq!(results.output_changed, ["default_run"]);
        assert_eq!(results.failed, [("every_job_once".to_string(), "job 3 lost".to_string())]);
    }

    #[test]
    fn a_tests_own_panic_is_its_last_one() {
        let output = "\n---- pool_goes_on stdout ----\n\nthread 'tokio-runtime' panicked at src/lib.rs:1:1:\n\
                      it hit a bug on purpose\n\nthread 'pool_goes_on' panicked at tests/lesson.rs:5:5:\n\
                      job 7 was not reported\n\nfailures:\n";
        assert_eq!(
            parse_test_output(output).failed,
            [("pool_goes_on".to_string(), "job 7 was not reported".to_string())]
        );
    }

    #[test]
    fn tests_that_do_not_build_are_a_failure_not_zero_passes() {
        let stderr = "error[E0277]: can't compare `Vec<Claim>` with `Option<_>`\n   --> tests/lesson.rs:549:9\n\
                      error: could not compile `postgres-queue` (test \"lesson\") due to 2 previous errors\n";
        let ran = Limited { stdout: String::new(), stderr: stderr.to_string(), status: Some(101) };
        assert_eq!(
            tests_that_do_not_build(&ran).as_deref(),
            Some("error[E0277]: can't compare `Vec<Claim>` with `Option<_>` --> tests/lesson.rs:549:9")
        );
        let failed =
            Limited { stdout: String::new(), stderr: "test result: FAILED".into(), status: Some(101) };
        assert_eq!(tests_that_do_not_build(&failed), None, "tests that ran and failed say so themselves");
    }

    #[test]
    fn the_compilers_first_errors_are_kept() {
        let compiler = "error[E0425]: cannot find value `x`\n --> src/lib.rs:1:1\nerror[E0308]: mismatched types\n\
                        error[E0599]: no method\nerror: could not compile `baseline`\n";
        assert_eq!(
            first_errors(compiler),
            "error[E0425]: cannot find value `x`\n --> src/lib.rs:1:1\nerror[E0308]: mismatched types"
        );
    }
}
