//! `cargo xtask book --serve`: the book on localhost, made again when a lesson changes. The test serves a copy
//! of the course's lessons, changes one of its texts, and waits for the served page to show the change,
//! asking for it all the while: no answer in between may be a missing page.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The program that `cargo xtask book` runs, serving, killed when the test ends however it ends.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What the server answers to `GET path`, if it answers: the whole response, headers and body.
fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

/// Asks `get` until its answer passes `wanted`, for at most a minute (a build on a busy machine is slow,
/// and the test waits for the change, not for a time).
fn wait_for(port: u16, path: &str, wanted: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(60) {
        if let Some(response) = get(port, path) {
            if wanted(&response) {
                return response;
            }
            last = response;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!(
        "{path} never showed what the test waits for; last answer:\n{}",
        last.chars().take(500).collect::<String>()
    );
}

/// Copies what the book is made from (the lessons' folder, and each lesson crate's `src`) into `copy`.
fn copy_the_course(course: &Path, copy: &Path) {
    fn copy_folder(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("a folder in the copy");
        for entry in std::fs::read_dir(from).expect("a folder of the course") {
            let path = entry.expect("an entry").path();
            let target = to.join(path.file_name().expect("a name"));
            if path.is_dir() {
                copy_folder(&path, &target);
            } else {
                std::fs::copy(&path, &target).expect("a file copied");
            }
        }
    }
    copy_folder(&course.join("lessons"), &copy.join("lessons"));
    for lesson in xtask::lessons::load(course).expect("the list of lessons") {
        let source = format!("{}/src", lesson.crate_path());
        copy_folder(&course.join(&source), &copy.join(&source));
    }
}

#[test]
fn a_change_to_a_lesson_shows_in_the_served_book() {
    let course = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let copy: PathBuf =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("served-course-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    copy_the_course(&course, &copy);
    // A port the system has free now; the server takes it a moment later.
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .expect("a free port")
        .local_addr()
        .expect("its address")
        .port();
    let serving = Serving(
        Command::new(env!("CARGO_BIN_EXE_course-book"))
            .arg("--course")
            .arg(&copy)
            .arg("--out")
            .arg(copy.join("target/book"))
            .args(["--serve", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("the book's program starts"),
    );
    let first = wait_for(port, "/01-baseline.html", |response| {
        response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200")
    });
    assert!(
        first.contains("Content-Type: text/html"),
        "{}",
        first.lines().take(8).collect::<Vec<_>>().join("\n")
    );
    let missing = get(port, "/no-such-page.html").expect("an answer");
    assert!(missing.contains(" 404 "), "{missing}");

    let text = copy.join("lessons/01-baseline.md");
    let mut changed = std::fs::read_to_string(&text).expect("lesson 1's text");
    changed.push_str("\nA sentence that the served book shows once it is made again: zebra-on-the-queue.\n");
    std::fs::write(&text, changed).expect("lesson 1's text changed");
    // While the book is made again, the page is asked for again and again: every answer is the page, old or
    // new, never a "no such page" from a book half made.
    let started = Instant::now();
    let mut answers = 0;
    loop {
        assert!(started.elapsed() < Duration::from_secs(60), "the change never showed in the served page");
        if let Some(response) = get(port, "/01-baseline.html") {
            answers += 1;
            assert!(
                response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
                "answer {answers}, while the book was made again, was not the page:\n{}",
                response.lines().take(3).collect::<Vec<_>>().join("\n")
            );
            if response.contains("zebra-on-the-queue") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }

    drop(serving);
    let _ = std::fs::remove_dir_all(&copy);
}
