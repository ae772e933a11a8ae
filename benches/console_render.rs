//! Frame cost of the console with a large account: 100,000 streams, drawn into a
//! 120×40 `TestBackend` (target < 2 ms a frame: only visible rows are built).
//!
//! Measured by hand, not here (see the report / README):
//! - first frame: `strm-tui` draws before connecting; time from exec to the first
//!   alternate-screen write, e.g. `strace -f -tt -e trace=execve,write target/release/strm-tui`
//!   and compare the execve and first `\x1b[?1049h` write timestamps (target < 100 ms).
//! - idle CPU: start it in tmux, wait 5 s, then
//!   `pidstat -p $(pgrep -n strm-tui) 30 1` or read utime+stime from /proc/PID/stat twice
//!   30 s apart with `--refresh-secs 0` (target < 1 %, no redraw).
//! - RSS with 10,000 streams: create them through the API, open the console, read
//!   `VmRSS` from /proc/PID/status (target < 50 MB).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use strm_console::app::{App, Tab};
use strm_console::keymap::Keymap;
use strm_console::theme::{Theme, ThemeName};
use strm_console::views;
use strm_model::{Credentials, Stream};

fn app_with_streams(n: usize) -> App {
    let mut app = App::new(Keymap::default(), Theme::of(ThemeName::Default));
    app.data.streams = (0..n)
        .map(|i| Stream {
            name: format!("stream-{i:06}"),
            description: Some(format!("events of shop number {i}")),
            tags: vec!["shop".into(), format!("t{}", i % 7)],
            credentials: Credentials {
                client_id: format!("{i:030}"),
                client_secret: None,
            },
        })
        .collect();
    app.recompute_all();
    app
}

fn render(c: &mut Criterion) {
    let mut app = app_with_streams(100_000);
    app.tab = Tab::Streams;
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    c.bench_function("draw 100k-stream table 120x40", |b| {
        b.iter(|| {
            // Move the selection so each frame has different visible rows.
            let t = app.table_mut();
            t.selected = (t.selected + 997) % 100_000;
            terminal.draw(|f| views::draw(f, black_box(&app))).unwrap();
        })
    });
    c.bench_function("filter 100k streams", |b| {
        b.iter(|| {
            app.table_mut().filter = "t3".into();
            app.recompute(Tab::Streams);
            app.table_mut().filter.clear();
            app.recompute(Tab::Streams);
        })
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
