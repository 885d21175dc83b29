//! Checks of the repository itself, run by `cargo test` like any other test: generated text is fresh, every
//! lesson in the list exists, every snapshot belongs to a test.

use std::path::Path;

use lesson_support::testing::{ensure_file_contents, workspace_file};
use xtask::lessons;

const MAP_BEGINS: &str = "<!-- map of lessons: generated from lessons/list.txt by `cargo test` -->\n";
const MAP_ENDS: &str = "<!-- end of map -->\n";

#[test]
fn the_readme_maps_the_lessons_of_the_list() {
    let lessons = lessons::load().unwrap();
    let readme = std::fs::read_to_string(workspace_file("README.md")).unwrap();
    let (before, rest) = readme
        .split_once(MAP_BEGINS)
        .expect("README.md has the opening line of the map");
    let (_, after) = rest
        .split_once(MAP_ENDS)
        .expect("README.md has the closing line of the map");
    let fresh = format!(
        "{before}{MAP_BEGINS}{}{MAP_ENDS}{after}",
        lessons::markdown_map(&lessons)
    );
    ensure_file_contents("README.md", &fresh);
}

#[test]
fn every_lesson_in_the_list_has_its_crate_and_its_text() {
    for lesson in lessons::load().unwrap() {
        let manifest = workspace_file(&format!("{}/Cargo.toml", lesson.crate_path()));
        let manifest =
            std::fs::read_to_string(&manifest).unwrap_or_else(|_| panic!("no {}", manifest.display()));
        assert!(
            manifest.contains(&format!("name = \"{}\"", lesson.crate_name)),
            "{}",
            lesson.crate_name
        );
        assert!(
            workspace_file(&lesson.text_path()).is_file(),
            "no {}",
            lesson.text_path()
        );
    }
}

/// insta names a snapshot `<test file>__<test function>.snap`. A snapshot whose test is gone would never be
/// checked again, yet would still look like a promise to a reader.
#[test]
fn every_snapshot_belongs_to_a_test() {
    let mut orphans = Vec::new();
    let crates = std::fs::read_dir(workspace_file("crates")).unwrap();
    for crate_folder in crates.map(|entry| entry.unwrap().path()) {
        let Ok(snapshots) = std::fs::read_dir(crate_folder.join("tests/snapshots")) else {
            continue;
        };
        for snapshot in snapshots.map(|entry| entry.unwrap().path()) {
            if !snapshot_has_its_test(&crate_folder, &snapshot) {
                orphans.push(snapshot.display().to_string());
            }
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots that no test checks (delete them): {orphans:#?}"
    );
}

fn snapshot_has_its_test(crate_folder: &Path, snapshot: &Path) -> bool {
    let name = snapshot.file_name().unwrap().to_string_lossy();
    let Some((file, test)) = name.strip_suffix(".snap").and_then(|stem| stem.split_once("__")) else {
        return false;
    };
    let source =
        std::fs::read_to_string(crate_folder.join("tests").join(format!("{file}.rs"))).unwrap_or_default();
    source.contains(&format!("fn {test}()"))
}
