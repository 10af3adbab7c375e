//! The progress display during the builds: one spinner line per side with
//! the command and the elapsed time, on stderr, only on a terminal.

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::harness::{Progress, Side};

pub struct Spinner {
    multi: Option<MultiProgress>,
    bars: std::sync::Mutex<Vec<(Side, ProgressBar)>>,
}

impl Spinner {
    /// A spinner that draws only when `enabled` (stderr is a terminal and not --quiet).
    pub fn new(enabled: bool) -> Spinner {
        let multi = enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Spinner {
            multi,
            bars: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Remove the spinner lines before the report is printed.
    pub fn clear(&self) {
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

impl Progress for Spinner {
    fn started(&self, side: Side, command: &str) {
        let Some(m) = &self.multi else { return };
        let bar = m.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix} {elapsed:>4} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(format!("building {}", side.name()));
        bar.set_message(super::human::escape(command));
        bar.enable_steady_tick(Duration::from_millis(120));
        self.bars
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((side, bar));
    }

    fn finished(&self, side: Side, duration: Duration) {
        let bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        // The latest bar of that side: `--confirm` builds the rhs again.
        if let Some((_, bar)) = bars.iter().rev().find(|(s, _)| *s == side) {
            bar.finish_with_message(format!("done in {:.1}s", duration.as_secs_f64()));
        }
    }
}
