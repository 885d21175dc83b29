//! Bad input, everywhere: every flag of every lesson and every runner command. Each mistake gives one line
//! that names the flag or the command and what it accepts, exit status 2, and no panic or backtrace.

mod common;

use std::process::Command;

use common::lessons;

/// The flags a lesson's `--help` lists: each name, and whether it takes a value (and which kind).
fn flags(help: &str) -> Vec<(String, Option<String>)> {
    help.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?.trim_end_matches(',');
            if !name.starts_with("--") || name == "--help" {
                return None;
            }
            let value = words.next().filter(|word| word.starts_with('<')).map(str::to_string);
            Some((name.to_string(), value))
        })
        .collect()
}

/// Asserts that `output` (a captured run) is one line of error and exit status 2.
fn assert_one_line_mistake(lesson: &str, args: &[&str], output: &str, names: &str) {
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 2, "{lesson} {args:?} should give one line:\n{output}");
    assert!(lines[0].starts_with("error: "), "{lesson} {args:?}:\n{output}");
    assert!(lines[0].contains(names), "{lesson} {args:?} should name {names}:\n{output}");
    assert_eq!(lines[1], "[exit status 2]", "{lesson} {args:?}:\n{output}");
    assert!(!output.contains("panicked") && !output.contains("backtrace"), "{output}");
    assert!(!output.contains("expected one of  "), "{lesson} {args:?} lists nothing it accepts:\n{output}");
}

#[test]
fn every_bad_value_of_every_lesson_flag_is_one_line() {
    for (lesson, run) in lessons() {
        let help = run(&["--help"]);
        let flags = flags(&help);
        assert!(flags.len() >= 9, "{lesson}'s help should list its flags:\n{help}");
        for (flag, value) in flags {
            // A flag given without its value, or a switch given a value.
            let missing = [flag.as_str()];
            match &value {
                Some(_) => assert_one_line_mistake(lesson, &missing, &run(&missing), &flag),
                None => {
                    let with_value = format!("{flag}=yes");
                    assert_one_line_mistake(lesson, &[&with_value], &run(&[&with_value]), &flag);
                }
            }
            // Values that no number flag accepts: each mistake names the flag and the range it accepts.
            if value.as_deref().is_some_and(|kind| kind != "<FILE>") {
                for bad in ["abc", "-1", "99999999999999999999999", ""] {
                    let args = [flag.as_str(), bad];
                    let output = run(&args);
                    assert_one_line_mistake(lesson, &args, &output, &flag);
                    let first = output.lines().next().unwrap_or_default();
                    assert!(
                        first.contains("expected") || first.contains(" is not in "),
                        "{lesson} {args:?} should say what is accepted:\n{output}"
                    );
                }
            }
        }
        let unknown = ["--frobnicate"];
        assert_one_line_mistake(lesson, &unknown, &run(&unknown), "--frobnicate");
    }
}

/// Flags that cannot be honoured together, and files that cannot be written, are refused before the run, in
/// one line that names the flag.
#[test]
fn flags_that_cannot_be_honoured_are_refused_in_one_line() {
    let cases: [(&str, &[&str], &str); 9] = [
        (
            "baseline",
            &["--instant", "--real-time"],
            "the argument '--instant' cannot be used with '--real-time'",
        ),
        ("baseline", &["--timeline-svg", ""], "a value is required for '--timeline-svg <FILE>'"),
        ("fixed-join", &["--batch", "--sweep", "1,2"], "--batch"),
        ("fixed-join", &["--batch", "--sweep-queue-sizes", "0,1"], "--batch"),
        ("dead-letter", &["--replay-dead-letters", "--sweep", "1,2"], "--replay-dead-letters"),
        ("baseline", &["--sweep", "1,2", "--timeline"], "--timeline"),
        ("baseline", &["--sweep", "1,2", "--timeline-svg", "x.svg"], "--timeline-svg"),
        ("baseline", &["--timeline-svg", "/proc/no-such-folder/x.svg"], "cannot write the timeline"),
        ("baseline", &["--timeline-svg", "/tmp"], "cannot write the timeline to /tmp"),
    ];
    for (name, args, names) in cases {
        let (_, run) = lessons().into_iter().find(|(lesson, _)| *lesson == name).unwrap();
        assert_one_line_mistake(name, args, &run(args), names);
    }
}

#[test]
fn every_bad_runner_command_is_one_line() {
    let cases: [(&[&str], &str); 20] = [
        // Both lessons refuse the flag: that is a mistake in the command, not "they print the same bytes".
        (&["diff", "2", "3", "--jobs", "abc"], "lesson 2 refused the flags"),
        (&["sweep", "1", "--workers", "abc"], "--workers <LIST>"),
        (&["sweep", "1", "--workers", "0,2"], "--workers <LIST>"),
        (&["sweep", "1", "--workers", "20000"], "--workers <LIST>"),
        (&["sweep", "1", "--workers", "1", "--workers", "2"], "given more than once"),
        (&["exercises", "10"], "expected one of 1 (baseline)"),
        (&["bless", "10"], "expected one of 1 (baseline)"),
        (&["check", "1", "--frobnicate"], "--frobnicate"),
        (&["lesson", "10"], "expected one of 1 (baseline)"),
        (&["lesson", "foo"], "expected one of 1 (baseline)"),
        (&["lesson"], "<LESSON>"),
        (&["diff"], "<FIRST>"),
        (&["diff", "1"], "builds on no lesson"),
        (&["diff", "2", "10"], "expected one of 1 (baseline)"),
        (&["check", "10"], "expected one of 1 (baseline)"),
        (&["reset", "nine"], "expected one of 1 (baseline)"),
        (&["sweep", "0"], "expected one of 1 (baseline)"),
        (&["frobnicate"], "frobnicate"),
        (&["book", "--port", "3001"], "--serve"),
        (&["book", "--serve", "--port", "0"], "1..=65535"),
    ];
    for (args, names) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?} should give one line: {stderr}");
        assert!(stderr.contains(names), "{args:?} should name {names}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed: {}", String::from_utf8_lossy(&output.stdout));
    }
}

/// A lesson that cannot get what it needs (lesson 9 without PostgreSQL) ends with its one line and status 3,
/// and the runner does not suggest exercises after it.
#[test]
fn a_set_up_that_failed_gets_no_suggestions() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["lesson", "9", "--jobs", "2"])
        .env_remove("DATABASE_URL")
        .env("POSTGRES_BIN_DIR", "/nonexistent")
        .env("CARGO", env!("CARGO"))
        .output()
        .unwrap();
    let printed =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(3), "{printed}");
    assert!(printed.contains("POSTGRES_BIN_DIR is /nonexistent"), "{printed}");
    assert!(!printed.contains("Try the exercises"), "{printed}");
}

/// A build that fails is not a mistake in the command: the runner ends with 1, a failed run, whether the
/// build is a lesson's (the compiler has said why) or one of the runner's own work (`bench`). Cargo is a
/// script here that fails as a build that does not compile does, so that the failure is certain and quick.
#[test]
fn a_build_that_fails_ends_with_1_not_with_the_status_of_a_mistake() {
    let folder = std::env::temp_dir().join(format!("xtask-failing-cargo-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let cargo = folder.join("cargo");
    std::fs::write(
        &cargo,
        "#!/bin/sh\necho 'error[E0425]: cannot find value `sender` in this scope' >&2\nexit 101\n",
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for args in [&["lesson", "1"][..], &["sweep", "1"], &["bench", "--database"]] {
        let output =
            Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).env("CARGO", &cargo).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("error[E0425]"), "{args:?} should show the compiler's message: {stderr}");
    }
    std::fs::remove_dir_all(&folder).unwrap();
}
