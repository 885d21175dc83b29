//! `cargo xtask diff 2 3`, the comparison the course points to, rendered here from the same functions the
//! command uses, with the lessons run in this process. Its snapshot is the story of lesson 3, and lesson 3's
//! text shows it, so neither can drift from the code.

use lesson_support::testing::{OUTPUT_ENDS, ensure_file_contents, refresh_blocks, workspace_file};
use xtask::commands::render_diff;
use xtask::diff::Sources;
use xtask::lessons;

/// The opening line of the block in lesson 3's text that shows `cargo xtask diff 2 3`.
const DIFF_BEGINS: &str = "<!-- output of: cargo xtask diff 2 3";

/// What `cargo xtask diff 2 3` prints (without colour, as when piped).
fn diff_2_3() -> String {
    let lessons = lessons::load().unwrap();
    let (broken, fixed) = (lessons::find(&lessons, "2").unwrap(), lessons::find(&lessons, "3").unwrap());
    let root = lessons::workspace_root();
    let broken_sources = Sources::read(&root, &format!("{}/src", broken.crate_path())).unwrap();
    let fixed_sources = Sources::read(&root, &format!("{}/src", fixed.crate_path())).unwrap();
    let broken_output = lesson_support::capture(broken_no_sentinel::LESSON, broken_no_sentinel::run, &[]);
    let fixed_output = lesson_support::capture(fixed_join::LESSON, fixed_join::run, &[]);
    render_diff(broken, fixed, &[], &broken_sources, &fixed_sources, &broken_output, &fixed_output)
}

#[test]
fn diff_2_3_tells_the_story_of_the_fixes() {
    let text = diff_2_3();
    for fix in ["Fix it 1", "Fix it 2", "Fix it 3"] {
        assert!(text.contains(&format!("// FIXED ({fix})")), "the diff should show {fix}:\n{text}");
    }
    assert!(text.contains("-The watchdog stopped the run"), "{text}");
    assert!(text.contains("+Exit status 0"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn lesson_3_shows_the_real_diff() {
    let path = "lessons/03-fixed-join.md";
    let text = std::fs::read_to_string(workspace_file(path)).unwrap();
    let fresh = refresh_blocks(&text, DIFF_BEGINS, |_| diff_2_3())
        .unwrap_or_else(|mistake| panic!("{path}: {mistake}"));
    assert!(fresh.contains(OUTPUT_ENDS));
    ensure_file_contents(path, &fresh);
}
