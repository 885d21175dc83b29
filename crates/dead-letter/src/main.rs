//! The `dead-letter` binary: lesson 5 on the command line. Try `cargo run -p dead-letter -- --help`.

fn main() -> std::process::ExitCode {
    lesson_support::main(dead_letter::LESSON, dead_letter::run)
}
