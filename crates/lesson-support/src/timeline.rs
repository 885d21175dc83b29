//! The timeline: who held which job when, drawn as a chart across the run's time.
//!
//! A transcript tells what happened line by line; the timeline shows it at a glance: workers side by side,
//! the jobs they held, the gaps where they waited, the producer blocked on a full queue, and how full the
//! queue was. It is drawn in the terminal (`--timeline`) and as an SVG picture (`--timeline-svg FILE`).
//!
//! It is recorded only when asked for, so that a run of a million jobs keeps no record of each.

use std::fmt::Write;
use std::time::Duration;

use crate::clock::Seconds;

/// How a job's time with a worker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Processed.
    Processed,
    /// Failed: reported, or parked in a dead-letter queue.
    Failed,
    /// Failed, and will be tried again.
    Retrying,
}

/// A job in a worker's hands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The job's number.
    pub job: usize,
    /// When the worker started it.
    pub start: Duration,
    /// When it ended.
    pub end: Duration,
    /// How it ended.
    pub ending: Ending,
}

/// What one task did, as the timeline draws it.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// The task's name.
    pub name: String,
    /// The times it waited on another task: from, to.
    pub waits: Vec<(Duration, Duration)>,
    /// The jobs it held.
    pub spans: Vec<Span>,
    /// When it ended, and whether it shut down cleanly.
    pub ended: Option<(Duration, bool)>,
}

/// Everything the timeline needs, recorded as the run goes.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// One row per task, in the order they registered.
    pub rows: Vec<Row>,
    /// Each job put on the queue, by number, and when.
    pub queued: Vec<(usize, Duration)>,
    /// Each job handed back unstarted by a cancelled run (lesson 7), and when: from then on it waits no more.
    pub returned: Vec<(usize, Duration)>,
}

/// How wide the terminal chart is: it fits an 80-column terminal.
const WIDTH: usize = 80;
/// How wide the names on the left are.
const LABEL: usize = 10;
/// How many worker rows are drawn before the rest are summed up in one line.
const MAX_ROWS: usize = 20;

impl Timeline {
    /// The rows worth drawing: every task but `Main`, which only waits for the others.
    fn drawn_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|row| row.name != "Main")
    }

    /// How many jobs were in the queue at `at`: put on it, and not yet started by a worker nor handed back.
    /// (A job put back for a retry is not counted again.)
    fn depth_at(&self, at: Duration) -> usize {
        let queued = self.queued.iter().filter(|(_, time)| *time <= at).count();
        let returned = self.returned.iter().filter(|(_, time)| *time <= at).count();
        let started: std::collections::BTreeSet<usize> = self
            .rows
            .iter()
            .flat_map(|row| &row.spans)
            .filter(|span| span.start <= at)
            .map(|span| span.job)
            .collect();
        queued.saturating_sub(started.len() + returned)
    }

    /// The chart for a terminal: one line per task, one for the queue's depth, and a time axis.
    pub fn render_text(&self, elapsed: Duration, colour: bool) -> String {
        let columns = WIDTH - LABEL;
        let seconds_per_column = elapsed.as_secs_f64().max(0.001) / columns as f64;
        let time_of = |column: usize| Duration::from_secs_f64((column as f64 + 0.5) * seconds_per_column);
        let mut text =
            format!("Timeline (one column is {}):\n", Seconds(Duration::from_secs_f64(seconds_per_column)));
        let rows: Vec<&Row> = self.drawn_rows().collect();
        for row in rows.iter().take(MAX_ROWS) {
            let mut cells: Vec<Cell> = (0..columns).map(|column| cell_of(row, time_of(column))).collect();
            label_spans(row, &mut cells, seconds_per_column);
            text.push_str(&format!("{:<LABEL$}", truncate(&row.name, LABEL - 1)));
            let painted: String = cells.into_iter().map(|cell| cell.paint(colour)).collect();
            text.push_str(painted.trim_end());
            text.push('\n');
        }
        if rows.len() > MAX_ROWS {
            text.push_str(&format!("{:<LABEL$}... and {} more\n", "", rows.len() - MAX_ROWS));
        }
        let mut depths = format!("{:<LABEL$}", "waiting");
        for column in 0..columns {
            let start = Duration::from_secs_f64(column as f64 * seconds_per_column);
            let end = Duration::from_secs_f64((column + 1) as f64 * seconds_per_column);
            let depth =
                [start, time_of(column), end].into_iter().map(|at| self.depth_at(at)).max().unwrap_or(0);
            depths.push(match depth {
                0 => ' ',
                1..=9 => char::from_digit(depth as u32, 10).expect("a digit"),
                _ => '+',
            });
        }
        text.push_str(depths.trim_end());
        text.push('\n');
        text.push_str(&axis(elapsed, columns));
        text.push_str(
            "legend: 7=== job 7, processed    7xxx job 7, failed    7rrr job 7, retried later\n        \
             ·  waiting on another task    -  busy    !  ended without shutting down\n        \
             waiting: jobs made, not yet started (queued, or in the producer's hands)\n",
        );
        text
    }

    /// The same chart as an SVG picture.
    pub fn render_svg(&self, elapsed: Duration, title: &str) -> String {
        const ROW_HEIGHT: f64 = 22.0;
        const LEFT: f64 = 90.0;
        const PLOT: f64 = 720.0;
        let rows: Vec<&Row> = self.drawn_rows().take(MAX_ROWS).collect();
        let seconds = elapsed.as_secs_f64().max(0.001);
        let x = |at: Duration| LEFT + PLOT * at.as_secs_f64() / seconds;
        let queue_top = 40.0 + ROW_HEIGHT * rows.len() as f64 + 8.0;
        let height = queue_top + 60.0 + 50.0;
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" viewBox="0 0 {w} {height}" font-family="monospace" font-size="11">"#,
            w = LEFT + PLOT + 20.0
        );
        let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(svg, r#"<text x="10" y="20" font-size="13">{}</text>"#, escape(title));
        for (index, row) in rows.iter().enumerate() {
            let top = 40.0 + ROW_HEIGHT * index as f64;
            let _ = writeln!(svg, r#"<text x="10" y="{}">{}</text>"#, top + 14.0, escape(&row.name));
            // A thin line while the task lives, so that a busy producer shows; waits and jobs are drawn over it.
            let lived = row.ended.map_or(elapsed, |(at, _)| at);
            let _ = writeln!(
                svg,
                r##"<rect x="{LEFT}" y="{:.1}" width="{:.1}" height="2" fill="#555555"/>"##,
                top + 9.0,
                x(lived) - LEFT
            );
            for (from, to) in row.waits.iter().filter(|(from, to)| to > from) {
                let _ = writeln!(
                    svg,
                    r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="4" fill="#cccccc"/>"##,
                    x(*from),
                    top + 8.0,
                    (x(*to) - x(*from)).max(0.5)
                );
            }
            for span in &row.spans {
                let fill = match span.ending {
                    Ending::Processed => PALETTE[span.job % PALETTE.len()],
                    Ending::Failed => "#d62728",
                    Ending::Retrying => "#ff9896",
                };
                let width = (x(span.end) - x(span.start)).max(0.5);
                let _ = writeln!(
                    svg,
                    r##"<rect x="{:.1}" y="{:.1}" width="{width:.1}" height="16" fill="{fill}" stroke="white"/>"##,
                    x(span.start),
                    top + 2.0
                );
                if width > 14.0 {
                    let _ = writeln!(
                        svg,
                        r#"<text x="{:.1}" y="{:.1}" fill="white">{}</text>"#,
                        x(span.start) + 2.0,
                        top + 14.0,
                        span.job
                    );
                }
            }
            if let Some((at, false)) = row.ended {
                let _ = writeln!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" fill="#d62728">!</text>"##,
                    x(at),
                    top + 14.0
                );
            }
        }
        // The queue's depth, as bars.
        let _ = writeln!(svg, r#"<text x="10" y="{}">waiting</text>"#, queue_top + 30.0);
        let steps = 240;
        let deepest = (0..=steps)
            .map(|step| self.depth_at(elapsed.mul_f64(step as f64 / steps as f64)))
            .max()
            .unwrap_or(0)
            .max(1);
        for step in 0..steps {
            let at = elapsed.mul_f64((step as f64 + 0.5) / steps as f64);
            let depth = self.depth_at(at);
            if depth > 0 {
                let bar = 50.0 * depth as f64 / deepest as f64;
                let _ = writeln!(
                    svg,
                    r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{bar:.1}" fill="#7f7f7f"/>"##,
                    LEFT + PLOT * step as f64 / steps as f64,
                    queue_top + 50.0 - bar,
                    PLOT / steps as f64
                );
            }
        }
        let _ =
            writeln!(svg, r##"<text x="10" y="{}" fill="#7f7f7f">max {deepest}</text>"##, queue_top + 44.0);
        // The time axis.
        let axis_y = queue_top + 66.0;
        let tick = tick_interval(elapsed);
        let mut at = Duration::ZERO;
        while at <= elapsed {
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{axis_y}" text-anchor="middle">{}s</text>"#,
                x(at),
                at.as_secs()
            );
            at += tick;
        }
        let _ = writeln!(
            svg,
            r##"<text x="10" y="{:.1}" fill="#555555">a coloured bar is a job (its number inside); red: failed; pink: failed, retried later; grey: waiting</text>"##,
            axis_y + 22.0
        );
        svg.push_str("</svg>\n");
        svg
    }
}

/// The colours of processed jobs in the SVG, one per job number in turn.
const PALETTE: [&str; 6] = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22"];

/// What one column of a row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Nothing,
    Busy,
    Waiting,
    Job { job: usize, ending: Ending, glyph: char },
    Ended,
}

impl Cell {
    fn glyph(self) -> char {
        match self {
            Cell::Nothing => ' ',
            Cell::Busy => '-',
            Cell::Waiting => '·',
            Cell::Job { glyph, .. } => glyph,
            Cell::Ended => '!',
        }
    }

    fn paint(self, colour: bool) -> String {
        let glyph = self.glyph();
        if !colour {
            return glyph.to_string();
        }
        use anstyle::{AnsiColor, Style};
        let style = match self {
            Cell::Job { ending: Ending::Processed, job, .. } => {
                const COLOURS: [AnsiColor; 4] =
                    [AnsiColor::Blue, AnsiColor::Green, AnsiColor::Magenta, AnsiColor::Cyan];
                COLOURS[job % COLOURS.len()].on_default()
            }
            Cell::Job { .. } | Cell::Ended => AnsiColor::Red.on_default(),
            Cell::Waiting => Style::new().dimmed(),
            _ => Style::new(),
        };
        format!("{style}{glyph}{style:#}")
    }
}

/// What `row` was doing at `at`.
fn cell_of(row: &Row, at: Duration) -> Cell {
    if let Some(span) = row.spans.iter().find(|span| span.start <= at && at < span.end) {
        let glyph = match span.ending {
            Ending::Processed => '=',
            Ending::Failed => 'x',
            Ending::Retrying => 'r',
        };
        return Cell::Job { job: span.job, ending: span.ending, glyph };
    }
    match row.ended {
        Some((ended, _)) if at >= ended => return Cell::Nothing,
        _ => {}
    }
    if row.waits.iter().any(|(from, to)| *from <= at && at < *to) { Cell::Waiting } else { Cell::Busy }
}

/// Writes each job's number at the start of its span, where it fits, and marks a task that ended without
/// shutting down.
fn label_spans(row: &Row, cells: &mut [Cell], seconds_per_column: f64) {
    let column_of = |at: Duration| (at.as_secs_f64() / seconds_per_column) as usize;
    for span in &row.spans {
        // The span's own columns: those whose cell shows this very job.
        let is_this_job = |cell: &Cell| matches!(cell, Cell::Job { job, .. } if *job == span.job);
        let first_column = column_of(span.start).min(cells.len());
        let Some(first) =
            cells[first_column..].iter().position(is_this_job).map(|offset| first_column + offset)
        else {
            continue;
        };
        let width = cells[first..].iter().take_while(|cell| is_this_job(cell)).count();
        let digits = span.job.to_string();
        if width > digits.len() {
            for (offset, digit) in digits.chars().enumerate() {
                if let Cell::Job { job, ending, .. } = cells[first + offset] {
                    cells[first + offset] = Cell::Job { job, ending, glyph: digit };
                }
            }
        }
    }
    if let Some((at, false)) = row.ended {
        let column = column_of(at).min(cells.len().saturating_sub(1));
        if let Some(cell) = cells.get_mut(column) {
            *cell = Cell::Ended;
        }
    }
}

/// The time axis under the chart: a tick and a label every so many seconds.
fn axis(elapsed: Duration, columns: usize) -> String {
    let tick = tick_interval(elapsed);
    let seconds_per_column = elapsed.as_secs_f64().max(0.001) / columns as f64;
    let mut line: Vec<char> = vec![' '; columns];
    let mut at = Duration::ZERO;
    while at <= elapsed {
        let column = (at.as_secs_f64() / seconds_per_column).round() as usize;
        let label = format!("{}s", at.as_secs());
        // A label that would run past the chart's right edge is left out.
        if column + label.len() <= columns {
            line[column..column + label.len()].copy_from_slice(&label.chars().collect::<Vec<_>>());
        }
        at += tick;
    }
    let text: String = line.into_iter().collect();
    format!("{:<LABEL$}{}\n", "time", text.trim_end())
}

/// A tick interval that gives between about four and twelve ticks.
fn tick_interval(elapsed: Duration) -> Duration {
    let seconds = elapsed.as_secs_f64();
    let step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        .into_iter()
        .find(|step| seconds / (*step as f64) <= 12.0)
        .unwrap_or(1000);
    Duration::from_secs(step)
}

/// `name` cut to `width` characters.
fn truncate(name: &str, width: usize) -> String {
    name.chars().take(width).collect()
}

/// Text made safe for SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(value: f64) -> Duration {
        Duration::from_secs_f64(value)
    }

    fn timeline() -> Timeline {
        Timeline {
            rows: vec![
                Row {
                    name: "Producer".to_string(),
                    waits: vec![(seconds(2.0), seconds(3.0))],
                    spans: vec![],
                    ended: Some((seconds(3.5), true)),
                },
                Row {
                    name: "Worker-1".to_string(),
                    waits: vec![(seconds(0.0), seconds(1.0))],
                    spans: vec![
                        Span { job: 1, start: seconds(1.0), end: seconds(4.0), ending: Ending::Processed },
                        Span { job: 2, start: seconds(4.0), end: seconds(6.0), ending: Ending::Failed },
                    ],
                    ended: Some((seconds(6.0), false)),
                },
            ],
            queued: vec![(1, seconds(0.5)), (2, seconds(1.5))],
            returned: Vec::new(),
        }
    }

    #[test]
    fn the_chart_fits_80_columns_and_shows_jobs_waits_and_the_queue() {
        let text = timeline().render_text(seconds(7.0), false);
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "too wide: {line:?}");
        }
        let worker = text.lines().find(|line| line.starts_with("Worker-1")).unwrap();
        assert!(worker.contains("·1==="), "{worker}");
        assert!(worker.contains("2xxx"), "{worker}");
        assert!(worker.contains('!'), "an unclean end is marked: {worker}");
        let producer = text.lines().find(|line| line.starts_with("Producer")).unwrap();
        assert!(producer.contains("-·"), "{producer}");
        let queue = text.lines().find(|line| line.starts_with("waiting")).unwrap();
        assert!(queue.contains('1'), "{queue}");
    }

    #[test]
    fn the_svg_has_a_rectangle_per_job_and_no_colour_codes() {
        let svg = timeline().render_svg(seconds(7.0), "a <test>");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("a &lt;test&gt;"), "{svg}");
        assert!(svg.contains(r##"fill="#d62728""##), "the failed job is red: {svg}");
        assert!(!svg.contains('\u{1b}'));
    }
}
