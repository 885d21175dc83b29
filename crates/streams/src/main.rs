//! The `streams` binary: lesson 6 on the command line. Try `cargo run -p streams -- --help`.

fn main() -> std::process::ExitCode {
    lesson_support::main(streams::LESSON, streams::run)
}
