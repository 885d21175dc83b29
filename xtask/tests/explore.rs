//! `cargo xtask explore`, as a learner runs it. The planted lost wake-up of lesson 4's exercise, found and
//! replayed ten times out of ten, is proved by `cargo xtask exercises --verify` (its catalogue entry says
//! `verify: replays`), which builds the explorer against a copy of the course anyway: here, it would cost every
//! `cargo test` a build of shuttle in a target folder of its own, about fifty seconds on two cores.

use std::path::PathBuf;
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

#[test]
fn a_lesson_with_no_hand_written_queue_is_refused_in_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["explore", "1"])
        .env(xtask::workspace::COURSE_ROOT, workspace())
        .output()
        .expect("the runner runs");
    let printed =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{printed}");
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert!(printed.contains("lessons 3, 4, 5 and 8 have one"), "{printed}");
}

/// The explorer's flags, which the runner passes on: a count of orderings out of range is refused, naming the
/// flag and the range.
#[test]
fn an_iteration_count_out_of_range_is_refused_naming_the_range() {
    let refused =
        <explorer::cli::Arguments as clap::Parser>::try_parse_from(["explorer", "4", "--iterations", "0"])
            .expect_err("0 orderings is refused");
    let said = refused.to_string();
    assert_eq!(refused.exit_code(), 2, "{said}");
    assert!(said.contains("'--iterations <N>'") && said.contains("1..=1000000"), "{said}");
}
