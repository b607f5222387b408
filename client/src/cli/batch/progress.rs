//! How far a send has come, on stderr: a bar on a terminal, a line every
//! tenth (or every few seconds) in a log, nothing with `-q`.

use std::{
    fmt::Write as _,
    io::{self, IsTerminal as _},
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::cli::output::Output;

/// The longest silence between two lines in a log: a slow server must not
/// look like a hung command.
const LINE_EVERY: Duration = Duration::from_secs(5);
/// The shortest: answers come a chunk at a time, and a chunk can cross
/// several tenths at once.
const LINE_GAP: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(super) struct Progress {
    total: u64,
    done: u64,
    shown: Shown,
}

#[derive(Debug)]
enum Shown {
    Nothing,
    Bar(ProgressBar),
    Lines {
        started: Instant,
        last: Instant,
        /// The tenth of the total the last line reached.
        tenth: u64,
    },
}

impl Progress {
    pub(super) fn new(total: u64, quiet: bool) -> Progress {
        let shown = if quiet {
            Shown::Nothing
        } else if io::stderr().is_terminal() {
            let style =
                ProgressStyle::with_template("{bar:30} {pos}/{len} rows  {rate}  {eta} left")
                    .map(|style| {
                        style.progress_chars("=> ").with_key(
                            "rate",
                            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = write!(w, "{:.0} rows/s", state.per_sec());
                            },
                        )
                    })
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                .with_style(style);
            // Results come a chunk at a time: the bar keeps moving in between.
            bar.enable_steady_tick(Duration::from_millis(250));
            Shown::Bar(bar)
        } else {
            let now = Instant::now();
            Shown::Lines {
                started: now,
                last: now,
                tenth: 0,
            }
        };
        Progress {
            total,
            done: 0,
            shown,
        }
    }

    /// One more row answered.
    pub(super) fn advance(&mut self) {
        self.done += 1;
        match &mut self.shown {
            Shown::Nothing => {}
            Shown::Bar(bar) => bar.inc(1),
            Shown::Lines {
                started,
                last,
                tenth,
            } => {
                if self.done >= self.total {
                    // The last line, in `finish`, says how long it all took.
                    return;
                }
                let now = Instant::now();
                let reached = self.done * 10 / self.total.max(1);
                let quiet_for = now.duration_since(*last);
                if (reached > *tenth && quiet_for >= LINE_GAP) || quiet_for >= LINE_EVERY {
                    *tenth = reached;
                    *last = now;
                    Output::progress(&line(
                        self.done,
                        self.total,
                        now.duration_since(*started),
                        false,
                    ));
                }
            }
        }
    }

    /// Clears the bar, for the summary to take its place; in a log, says
    /// how far the send went and how long it took.
    pub(super) fn finish(&self) {
        match &self.shown {
            Shown::Nothing => {}
            Shown::Bar(bar) => bar.finish_and_clear(),
            Shown::Lines { started, .. } => {
                Output::progress(&line(self.done, self.total, started.elapsed(), true));
            }
        }
    }
}

/// `relais: 4000 of 10000 rows done (40 %), 2000 rows/s, about 3 s left`;
/// once `finished`, how long it took instead of how long is left.
fn line(done: u64, total: u64, elapsed: Duration, finished: bool) -> String {
    let percent = done * 100 / total.max(1);
    let mut text = format!("relais: {done} of {total} rows done ({percent} %)");
    let seconds = elapsed.as_secs_f64();
    if finished {
        let took = if seconds < 60.0 {
            format!("{seconds:.1} s")
        } else {
            seconds_text(seconds)
        };
        let _ = write!(text, " in {took}");
    }
    if seconds > 0.0 && done > 0 {
        let rate = done as f64 / seconds;
        let _ = write!(text, ", {rate:.0} rows/s");
        if !finished && done < total {
            let left = (total - done) as f64 / rate;
            let _ = write!(text, ", about {} left", seconds_text(left));
        }
    }
    text
}

fn seconds_text(seconds: f64) -> String {
    let seconds = seconds.ceil() as u64;
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_how_far_how_fast_and_how_long_still() {
        assert_eq!(
            line(4_000, 10_000, Duration::from_secs(2), false),
            "relais: 4000 of 10000 rows done (40 %), 2000 rows/s, about 3 s left"
        );
        assert_eq!(
            line(10_000, 10_000, Duration::from_millis(4_500), true),
            "relais: 10000 of 10000 rows done (100 %) in 4.5 s, 2222 rows/s"
        );
        assert_eq!(
            line(640, 3_000, Duration::from_secs(1), true),
            "relais: 640 of 3000 rows done (21 %) in 1.0 s, 640 rows/s",
            "a send cut short has no time left"
        );
        assert_eq!(
            line(0, 10, Duration::ZERO, false),
            "relais: 0 of 10 rows done (0 %)"
        );
        assert_eq!(seconds_text(150.0), "2 min 30 s");
        assert_eq!(seconds_text(120.0), "2 min");
    }
}
