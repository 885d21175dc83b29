//! The `broken-no-sentinel` binary: lesson 2 on the command line. Try `cargo run -p broken-no-sentinel -- --help`.

fn main() -> std::process::ExitCode {
    lesson_support::main(broken_no_sentinel::LESSON, broken_no_sentinel::run)
}
