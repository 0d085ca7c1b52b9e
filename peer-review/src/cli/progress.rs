//! A progress bar on stderr that appears only once a run has taken a second,
//! so quick runs print nothing but their result.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: Mutex<bool>,
}

impl Progress {
    pub fn new(what: &str, quiet: bool) -> Arc<Progress> {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        Arc::new(Progress {
            bar,
            started: Instant::now(),
            shown: Mutex::new(quiet),
        })
    }

    pub fn update(&self, done: usize, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        if let Ok(mut shown) = self.shown.lock() {
            if !*shown && self.started.elapsed() > Duration::from_secs(1) {
                *shown = true;
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
                self.bar.enable_steady_tick(Duration::from_millis(200));
            }
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
