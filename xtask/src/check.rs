//! `cargo xtask check`: the learner's self-check, in plain words.
//!
//! It runs a lesson's tests the way CI does (nothing is written: no snapshot, no lesson text) and turns the
//! result into one verdict per lesson, with the first difference shown and what to do about it.

use crate::lessons::Lesson;

/// What running a lesson's tests gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRun {
    /// Whether every test passed.
    pub passed: bool,
    /// Everything the tests printed, standard output and standard error.
    pub output: String,
}

/// One of lesson 2's breaks, and the run that shows whether a learner has fixed it.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// The flags of the run that is stuck or loses a job while the break is there.
    pub flags: &'static [&'static str],
    /// What a clean run with those flags means.
    pub fixed: &'static str,
}

/// The runs that tell how far a learner has taken lesson 2 towards lesson 3.
pub const LESSON_2_PROBES: &[Probe] = &[
    Probe { flags: &[], fixed: "Break it 1 is fixed: the workers shut down without sentinels (Fix it 1)" },
    Probe {
        flags: &["--sentinels", "--fail-job", "7"],
        fixed: "Break it 3 is fixed for errors: a failing job no longer ends its worker (Fix it 3)",
    },
    Probe {
        flags: &["--sentinels", "--panic-job", "7"],
        fixed: "Break it 3 is fixed for panics: a panicking job no longer ends its worker (Fix it 3)",
    },
];

/// The verdict on one lesson, from its test run.
pub fn verdict(lesson: &Lesson, run: &TestRun) -> String {
    let name = format!("Lesson {} ({})", lesson.number, lesson.crate_name);
    if run.passed {
        let checks = passed_count(&run.output);
        return format!("ok   {name} matches the reference ({checks} checks passed).\n");
    }
    if run.output.contains("could not compile") {
        return format!(
            "FAIL {name} does not build. The compiler says:\n{}\n",
            indent(compiler_errors(&run.output))
        );
    }
    let failed = failed_tests(&run.output);
    let mut text = format!(
        "FAIL {name} differs from the reference in {} check{}: {}.\n",
        failed.len(),
        if failed.len() == 1 { "" } else { "s" },
        failed.iter().map(|test| test.replace('_', " ")).collect::<Vec<_>>().join("; ")
    );
    match first_difference(&run.output) {
        Some(difference) => {
            text.push_str("     The first difference (- the reference, + what the lesson prints now):\n");
            text.push_str(&indent(&difference));
        }
        None => {
            text.push_str("     What the tests said:\n");
            text.push_str(&indent(panic_messages(&run.output).trim_end()));
        }
    }
    text.push_str(&format!(
        "\n     If you meant the change, make it the new reference: `INSTA_UPDATE=always cargo test -p {0}`,\n     \
         then read `git diff` and `cargo test -p {0}` again. To undo your change: `cargo xtask reset {1}`.\n",
        lesson.crate_name, lesson.number
    ));
    text
}

/// What lesson 2's probes say: one line per break the learner has fixed, from each probe's exit status.
pub fn progress(results: &[(Probe, u8)]) -> String {
    let fixed: Vec<&str> =
        results.iter().filter(|(_, status)| *status == 0).map(|(probe, _)| probe.fixed).collect();
    if fixed.is_empty() {
        return String::new();
    }
    let mut text = String::from("     Your lesson 2 now behaves like lesson 3 here:\n");
    for line in fixed {
        text.push_str(&format!("       - {line}\n"));
    }
    if results.iter().all(|(_, status)| *status == 0) {
        text.push_str(
            "     Every break is fixed: compare your code with lesson 3's: `cargo xtask diff 2 3`.\n",
        );
    }
    text
}

/// How many tests passed, from libtest's `test result:` lines.
fn passed_count(output: &str) -> usize {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

/// The names of the failed tests, from libtest's `name --- FAILED` lines (or `test name ... FAILED`).
fn failed_tests(output: &str) -> Vec<String> {
    let mut failed: Vec<String> = output
        .lines()
        .filter_map(|line| {
            line.strip_suffix(" --- FAILED")
                .or_else(|| line.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
                .map(str::to_string)
        })
        .collect();
    failed.sort();
    failed.dedup();
    failed
}

/// insta's first snapshot difference: its expression and the changed lines, without the frame.
fn first_difference(output: &str) -> Option<String> {
    let start = output.find("Expression: ")?;
    let rest = &output[start..];
    let body_start = rest.find("+new results")?;
    let body = &rest[body_start..];
    let end = body.find("────────────┴").unwrap_or(body.len());
    let mut text = rest.lines().next().unwrap_or_default().replace("Expression: ", "in the run ");
    text.push('\n');
    for line in body[..end].lines().skip(2) {
        text.push_str(line);
        text.push('\n');
    }
    Some(text)
}

/// The messages of the tests' panics, without backtraces, each cut to its first lines: what a plain
/// `assert!` said, without the whole transcript it may print after.
fn panic_messages(output: &str) -> String {
    const LINES_PER_MESSAGE: usize = 4;
    let mut text = String::new();
    let mut kept: Option<usize> = None;
    for line in output.lines() {
        if line.starts_with("thread '") && line.contains("panicked at") {
            kept = Some(0);
        } else if line.starts_with("stack backtrace:") || line.starts_with("note: ") || line == "failures:" {
            kept = None;
        }
        match kept {
            Some(count) if count < LINES_PER_MESSAGE => {
                text.push_str(line);
                text.push('\n');
                kept = Some(count + 1);
            }
            Some(count) if count == LINES_PER_MESSAGE => {
                text.push_str("...\n");
                kept = Some(count + 1);
            }
            _ => {}
        }
    }
    text
}

/// The compiler's errors, from `error` to the end of each message.
fn compiler_errors(output: &str) -> &str {
    let start = output.find("error").unwrap_or(0);
    output[start..].trim_end()
}

/// `text` indented under a verdict.
fn indent(text: &str) -> String {
    text.lines().map(|line| format!("       {line}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson() -> Lesson {
        Lesson {
            number: 1,
            crate_name: "baseline".to_string(),
            title: "First".to_string(),
            teaches: "the basics".to_string(),
        }
    }

    /// The verdict on a failed test run that printed `output`.
    fn failed_verdict(output: &str) -> String {
        let run = TestRun { passed: false, output: output.to_string() };
        verdict(&lesson(), &run)
    }

    #[test]
    fn a_passing_run_matches() {
        let run = TestRun {
            passed: true,
            output: "test result: ok. 13 passed; 0 failed\ntest result: ok. 0 passed; 0 failed\n".to_string(),
        };
        assert_eq!(
            verdict(&lesson(), &run),
            "ok   Lesson 1 (baseline) matches the reference (13 checks passed).\n"
        );
    }

    #[test]
    fn a_snapshot_difference_is_shown_with_what_to_do() {
        let output = "default_run --- FAILED\n\
            Expression: run(&[])\n\
            ────\n-old snapshot\n+new results\n────────────┬────\n\
            \x20  41       │-   3.864s  [Worker-1] Shutting down\n\
            \x20        41 │+   3.864s  [Worker-1] Shutting dow\n\
            ────────────┴────\n";
        let text = failed_verdict(output);
        assert!(
            text.starts_with(
                "FAIL Lesson 1 (baseline) differs from the reference in 1 check: default run.\n"
            ),
            "{text}"
        );
        assert!(text.contains("in the run run(&[])"), "{text}");
        assert!(text.contains("│+   3.864s  [Worker-1] Shutting dow"), "{text}");
        assert!(text.contains("INSTA_UPDATE=always cargo test -p baseline"), "{text}");
        assert!(text.contains("cargo xtask reset 1"), "{text}");
    }

    #[test]
    fn a_failed_assertion_shows_its_message_without_a_backtrace() {
        let output = "every_job --- FAILED\nthread 'every_job' (1) panicked at tests/lesson.rs:9:9:\njob 3 lost\nstack backtrace:\n   0: foo\n";
        let text = failed_verdict(output);
        assert!(text.contains("job 3 lost"), "{text}");
        assert!(!text.contains("backtrace"), "{text}");
        let long = "a --- FAILED\nthread 'a' (1) panicked at x:\none\ntwo\nthree\nfour\nfive\n";
        let text = failed_verdict(long);
        assert!(text.contains("three\n") && text.contains("...\n") && !text.contains("four"), "{text}");
    }

    #[test]
    fn a_build_failure_shows_the_compiler() {
        let output = "   Compiling baseline\nerror[E0425]: cannot find value `x`\nerror: could not compile `baseline`\n";
        let text = failed_verdict(output);
        assert!(text.starts_with("FAIL Lesson 1 (baseline) does not build."), "{text}");
        assert!(text.contains("error[E0425]: cannot find value `x`"), "{text}");
    }

    #[test]
    fn lesson_2_progress_names_each_fixed_break() {
        let none: Vec<(Probe, u8)> = LESSON_2_PROBES.iter().map(|probe| (*probe, 1)).collect();
        assert_eq!(progress(&none), "");
        let mut some = none.clone();
        some[0].1 = 0;
        let text = progress(&some);
        assert!(text.contains("Break it 1 is fixed"), "{text}");
        assert!(!text.contains("Every break is fixed"), "{text}");
        let all: Vec<(Probe, u8)> = LESSON_2_PROBES.iter().map(|probe| (*probe, 0)).collect();
        assert!(progress(&all).contains("Every break is fixed"));
    }
}
