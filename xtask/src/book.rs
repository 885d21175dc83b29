//! `cargo xtask book [--serve]`: the course as a book in the browser. The book's program is a crate of its own
//! (`crates/book`, with mdBook), so that building it never slows a learner's first `cargo xtask lesson 1`;
//! this command builds and runs it.

use crate::failure::{EXIT_FAILED, EXIT_INTERRUPTED, Failure};
use crate::workspace::{Workspace, exit_status, print};

/// `cargo xtask book [--serve [--port N]]`.
pub fn run(serve: bool, port: u16) -> Result<u8, Failure> {
    let course = Workspace::course();
    let folder = course.target.join("book");
    print("Making the book (the first time, cargo builds mdBook: a minute or two)...\n");
    let mut book = course.cargo();
    book.args(["run", "--quiet", "--package", "course-book", "--", "--course"])
        .arg(&course.root)
        .arg("--out")
        .arg(&folder);
    if serve {
        book.args(["--serve", "--port", &port.to_string()]);
    }
    let status = book.status().map_err(|error| format!("cannot run cargo: {error}"))?;
    // The book's program says what went wrong; its status, or cargo's for a program that does not build, is
    // a failure all the same.
    Ok(match exit_status(status) {
        0 => 0,
        EXIT_INTERRUPTED => EXIT_INTERRUPTED,
        _ => EXIT_FAILED,
    })
}
