//! The course as a book in the browser: `cargo xtask book` builds it, with mdBook, under `target/book`.
//!
//! The book is made from the course's own files every time, never from a copy that could drift: each
//! lesson's text (`lessons/NN-crate.md`) is a chapter, its timeline pictures are shown where the text puts
//! them, its code is included whole from its crate, its output blocks are the ones the tests keep true, and
//! its Explain-it answers stay folded (the texts fold them already). The table of contents is the course's
//! list of lessons (`lessons/list.txt`), the same that the README's map is made from. One page shows lesson
//! 2's broken code beside lesson 3's fix: the step `cargo xtask diff 2 3` shows.
//!
//! - [`chapters`]: the book's sources, written from the course's files;
//! - [`side_by_side`]: two versions of a file, side by side, in HTML;
//! - [`serve`]: the book on localhost, made again when a lesson changes.

pub mod chapters;
pub mod serve;
pub mod side_by_side;

use std::path::{Path, PathBuf};

/// mdBook's settings for the course's book.
const BOOK_TOML: &str = r#"[book]
title = "Producer and consumers in async Rust"
description = "A Python asyncio lesson (a producer, a bounded queue, a pool of workers, a sentinel) ported to tokio, in nine lessons."
language = "en"
src = "src"

[build]
build-dir = "html"
# A link to a chapter that is not there is a mistake, not a page to make up.
create-missing = false

[output.html]
additional-css = ["course.css"]
# The lessons' code is read, not run: it needs its crate, and the playground has none of them.
[output.html.playground]
runnable = false

[output.html.search]
enable = true
"#;

/// The look of what the book adds to mdBook's pages: the side-by-side page, and the pictures at full width.
const COURSE_CSS: &str = r#".side-by-side { table-layout: fixed; width: 100%; border-collapse: collapse; font-size: 0.8em; }
.side-by-side td { vertical-align: top; padding: 0 0.4em; border: none; }
.side-by-side pre { margin: 0; padding: 0; background: none; white-space: pre-wrap; }
.side-by-side tr { background: none; }
.side-by-side .removed { background: rgba(255, 80, 80, 0.18); }
.side-by-side .added { background: rgba(80, 200, 80, 0.18); }
.side-by-side .gap td { text-align: center; color: gray; }
img[src$=".svg"] { max-width: 100%; background: white; }
"#;

/// A book made: where its pages are.
#[derive(Debug, Clone)]
pub struct Book {
    /// The folder of the built pages: open `index.html` there.
    pub html: PathBuf,
}

/// Makes the book of the course at `course_root` in `folder`: its sources in `folder/src`, made afresh from
/// the course's files, then its pages in `folder/html`.
pub fn make(course_root: &Path, folder: &Path) -> Result<Book, String> {
    let cannot =
        |what: &str, error: std::io::Error| format!("cannot write {what} in {}: {error}", folder.display());
    // Made afresh: a chapter of a lesson that is gone must not stay behind.
    let sources = folder.join("src");
    if sources.exists() {
        std::fs::remove_dir_all(&sources).map_err(|error| cannot("the book's sources", error))?;
    }
    std::fs::create_dir_all(&sources).map_err(|error| cannot("the book's sources", error))?;
    std::fs::write(folder.join("book.toml"), BOOK_TOML).map_err(|error| cannot("book.toml", error))?;
    std::fs::write(folder.join("course.css"), COURSE_CSS).map_err(|error| cannot("course.css", error))?;
    chapters::write(course_root, &sources)?;
    let book = mdbook_driver::MDBook::load(folder)
        .map_err(|error| format!("mdBook cannot load the book: {error:#}"))?;
    book.build().map_err(|error| format!("mdBook cannot build the book: {error:#}"))?;
    Ok(Book { html: folder.join("html") })
}
