//! The progress bar of long commands: drawn on stderr, only when stderr is a terminal.

use std::io::IsTerminal as _;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar when stderr is a terminal, else nothing.
pub fn bar_on_terminal() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:32} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// A `fixlog_verify` progress callback drawing on `bar`.
pub fn callback(bar: &ProgressBar) -> fixlog_verify::ProgressFn {
    let bar = bar.clone();
    fixlog_verify::ProgressFn(Arc::new(move |phase: &str, done: u64, total: u64| {
        bar.set_message(phase.to_owned());
        bar.set_length(total.max(done));
        bar.set_position(done);
    }))
}
