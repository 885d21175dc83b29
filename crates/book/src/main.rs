//! `course-book`: makes the course's book, or serves it. `cargo xtask book` runs it; see the crate's library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Makes the course's book with mdBook, from the lessons' texts, pictures and code.
#[derive(Debug, Parser)]
#[command(name = "course-book")]
struct CommandLine {
    /// The course's folder: the workspace's root.
    #[arg(long, value_name = "FOLDER")]
    course: PathBuf,
    /// Where the book goes: its sources in `src`, its pages in `html`.
    #[arg(long, value_name = "FOLDER")]
    out: PathBuf,
    /// Serve the book on localhost, and make it again when the course changes.
    #[arg(long)]
    serve: bool,
    /// The port to serve it on.
    #[arg(long, default_value_t = 3000, value_name = "PORT")]
    port: u16,
}

fn main() -> ExitCode {
    let command_line = CommandLine::parse();
    let made = if command_line.serve {
        course_book::serve::serve(&command_line.course, &command_line.out, command_line.port)
    } else {
        course_book::make(&command_line.course, &command_line.out).map(|book| {
            println!("The book is made: open {} in a browser.", book.html.join("index.html").display());
        })
    };
    match made {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
