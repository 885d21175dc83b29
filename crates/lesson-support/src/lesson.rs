//! What a lesson's program says about itself: its name, what it shows, and the heading of its runs.

/// What a lesson binary says about itself in `--help`.
///
/// A lesson fills `name` and `about` from its `Cargo.toml` (`env!("CARGO_PKG_NAME")`,
/// `env!("CARGO_PKG_DESCRIPTION")`), so that what a lesson is called is written in one place.
#[derive(Debug, Clone, Copy)]
pub struct Lesson {
    /// The crate's and the binary's name: `baseline`.
    pub name: &'static str,
    /// One line: what the lesson shows (the crate's description).
    pub about: &'static str,
    /// The first line of every run, as the Python lesson's `--- Producer-Consumer with asyncio.Queue ---`.
    pub heading: &'static str,
}
