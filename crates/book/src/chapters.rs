//! The book's sources, written from the course's files each time the book is made: the table of contents
//! from the list of lessons, an introduction, one chapter a lesson (its text, then its code), the timeline
//! pictures, and lesson 2 beside lesson 3.

use std::fmt::Write as _;
use std::path::Path;

use xtask::lessons::{self, Lesson};

use crate::side_by_side;

/// The page of lesson 2's code beside lesson 3's.
pub const SIDE_BY_SIDE_PAGE: &str = "02-03-side-by-side.md";

/// Writes every source of the book into `sources`, from the course at `course_root`.
pub fn write(course_root: &Path, sources: &Path) -> Result<(), String> {
    let lessons = lessons::load(course_root)?;
    let write = |name: &str, text: &str| {
        std::fs::write(sources.join(name), text).map_err(|error| format!("cannot write {name}: {error}"))
    };
    write("SUMMARY.md", &summary(&lessons))?;
    write("introduction.md", &introduction(&lessons))?;
    for lesson in &lessons {
        write(&chapter_file(lesson), &chapter(course_root, lesson)?)?;
    }
    write(SIDE_BY_SIDE_PAGE, &two_to_three(course_root, &lessons)?)?;
    copy_folder(&course_root.join("lessons/timelines"), &sources.join("timelines"))
}

/// A lesson's chapter file: its text's name, `01-baseline.md`.
pub fn chapter_file(lesson: &Lesson) -> String {
    format!("{:02}-{}.md", lesson.number, lesson.crate_name)
}

/// The table of contents: the introduction, then the lessons in the order of the course, and the side-by-side
/// page under lesson 3.
fn summary(lessons: &[Lesson]) -> String {
    let mut text = String::from("# Summary\n\n[Introduction](introduction.md)\n\n");
    for lesson in lessons {
        let _ = writeln!(text, "- [{}]({})", lesson.title, chapter_file(lesson));
        if lesson.number == 3 {
            let _ = writeln!(text, "  - [Lesson 2 and lesson 3, side by side]({SIDE_BY_SIDE_PAGE})");
        }
    }
    text
}

/// The first page: what the course is, how to run it, and the map of the lessons.
fn introduction(lessons: &[Lesson]) -> String {
    let mut text = String::from(
        "# Producer and consumers in async Rust\n\n\
         A producer makes jobs and puts them on a bounded queue; a pool of workers takes them off and processes \
         them; the queue says when every job is done, and the workers stop when no more can come. This course \
         ports a Python asyncio lesson of that pattern to tokio, a lesson at a time: the pattern, three ways to \
         break it and their fixes, a priority queue, retries and a dead-letter queue, streams, a graceful \
         shutdown, threads, and a queue in PostgreSQL whose workers may die.\n\n\
         Each lesson is a crate of the course's workspace, and each chapter here is the lesson's text, then its \
         code, whole. The outputs in the text are what the lesson prints: the course's tests keep them true. \
         The book is read; the lessons are run, and changed. In a clone of the course:\n\n\
         ```text\n\
         cargo xtask lesson 1      # run lesson 1, and see what to try next\n\
         cargo xtask check 1       # the self-check: does lesson 1 keep its promises?\n\
         cargo xtask diff 3        # lesson 3's step: its code and output against lesson 2's\n\
         ```\n\n\
         ## The lessons\n\n\
         | lesson | what it teaches |\n|---|---|\n",
    );
    for lesson in lessons {
        let _ = writeln!(
            text,
            "| [{}. {}]({}) | {} |",
            lesson.number,
            lesson.title,
            chapter_file(lesson),
            lesson.teaches.replace('|', "\\|")
        );
    }
    text
}

/// A lesson's chapter: its text as it is, then every file of its crate's `src`, whole.
fn chapter(course_root: &Path, lesson: &Lesson) -> Result<String, String> {
    let text_path = course_root.join(lesson.text_path());
    let mut text = std::fs::read_to_string(&text_path)
        .map_err(|error| format!("cannot read {}: {error}", text_path.display()))?;
    let folder = format!("{}/src", lesson.crate_path());
    let _ = write!(
        text,
        "\n\n## The code\n\nEvery file of `{folder}`, whole, as `cargo xtask lesson {}` builds it.\n",
        lesson.number
    );
    for (name, code) in source_files(&course_root.join(&folder))? {
        let fence = fence_for(&code);
        let _ = write!(text, "\n### `{name}`\n\n{fence}rust\n{}\n{fence}\n", code.trim_end());
    }
    Ok(text)
}

/// The files of a lesson crate's `src`, the lesson's `lib.rs` first and the program's `main.rs` last.
fn source_files(folder: &Path) -> Result<Vec<(String, String)>, String> {
    let cannot = |error: std::io::Error| format!("cannot read {}: {error}", folder.display());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(cannot)? {
        let path = entry.map_err(cannot)?.path();
        if path.extension().is_some_and(|extension| extension == "rs") {
            let code = std::fs::read_to_string(&path).map_err(cannot)?;
            files.push((path.file_name().unwrap_or_default().to_string_lossy().into_owned(), code));
        }
    }
    files.sort_by_key(|(name, _)| (name != "lib.rs", name == "main.rs", name.clone()));
    if files.is_empty() {
        return Err(format!("{} has no Rust file to show", folder.display()));
    }
    Ok(files)
}

/// A fence longer than any run of backticks in `code`: a doc comment's own fenced example must not end the
/// block.
fn fence_for(code: &str) -> String {
    let longest = code.split(|character| character != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Lesson 2's code beside lesson 3's, file by file: the files both have.
fn two_to_three(course_root: &Path, lessons: &[Lesson]) -> Result<String, String> {
    let find = |number: &str| lessons::find(lessons, number).map_err(|failure| failure.to_string());
    let (broken, fixed) = (find("2")?, find("3")?);
    let mut text = format!(
        "# Lesson 2 and lesson 3, side by side\n\n\
         Lesson 2's broken code on the left, lesson 3's fixes on the right: the step that `cargo xtask diff 2 3` \
         shows in a terminal. Each `BROKEN` comment on the left meets a `FIXED` comment on the right. Lines \
         taken out are red, lines put in green; the lines both keep are shown once on each side.\n\n\
         Read [lesson 2]({}) and [lesson 3]({}) for the story.\n",
        chapter_file(broken),
        chapter_file(fixed)
    );
    let old_files = source_files(&course_root.join(format!("{}/src", broken.crate_path())))?;
    let new_files = source_files(&course_root.join(format!("{}/src", fixed.crate_path())))?;
    // A file that only lesson 3 has (its joinable queue) has nothing to stand beside: it is named, and read
    // whole in lesson 3's chapter.
    let only_new: Vec<String> = new_files
        .iter()
        .filter(|(name, _)| !old_files.iter().any(|(old_name, _)| old_name == name))
        .map(|(name, code)| format!("`{name}` ({} lines)", code.lines().count()))
        .collect();
    if !only_new.is_empty() {
        let _ = write!(
            text,
            "\nLesson 3 also has files that lesson 2 has not: {}. Read them whole in [lesson 3's code]({}#the-code).\n",
            only_new.join(", "),
            chapter_file(fixed).replace(".md", ".html")
        );
    }
    for (name, old) in &old_files {
        let Some((_, new)) = new_files.iter().find(|(new_name, _)| new_name == name) else { continue };
        if old == new || name == "main.rs" {
            continue;
        }
        let _ = write!(
            text,
            "\n## `{name}`\n\n{}\n",
            side_by_side::table(
                &format!("{}/src/{name}", broken.crate_path()),
                old,
                &format!("{}/src/{name}", fixed.crate_path()),
                new
            )
        );
    }
    Ok(text)
}

/// Copies the files of `from` into `to`, which it makes.
fn copy_folder(from: &Path, to: &Path) -> Result<(), String> {
    let cannot = |error: std::io::Error| format!("cannot copy {} into the book: {error}", from.display());
    std::fs::create_dir_all(to).map_err(cannot)?;
    for entry in std::fs::read_dir(from).map_err(cannot)? {
        let path = entry.map_err(cannot)?.path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap_or_default())).map_err(cannot)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_is_longer_than_any_fence_inside_the_code() {
        assert_eq!(fence_for("fn main() {}"), "```");
        assert_eq!(fence_for("//! ```text\n//! a\n//! ```"), "````");
        assert_eq!(fence_for("`````"), "``````");
    }

    #[test]
    fn the_lesson_s_file_comes_first_and_the_program_last() {
        let folder = std::env::temp_dir().join(format!("book-sources-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        for name in ["main.rs", "queue.rs", "lib.rs", "notes.txt"] {
            std::fs::write(folder.join(name), name).unwrap();
        }
        let names: Vec<String> = source_files(&folder).unwrap().into_iter().map(|(name, _)| name).collect();
        std::fs::remove_dir_all(&folder).unwrap();
        assert_eq!(names, ["lib.rs", "queue.rs", "main.rs"]);
    }
}
