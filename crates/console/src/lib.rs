//! The full-screen console. One `tokio::select!` loop owns the `App`: terminal input,
//! the API worker's answers and a timer that is armed only while something animates,
//! expires or is due. Every ready message is applied, then the screen is drawn once,
//! and only when something changed — an idle console does no work.

pub mod app;
pub mod clipboard;
pub mod config;
pub mod forms;
pub mod keymap;
pub mod observe;
pub mod protocol;
pub mod resources;
pub mod tail;
pub mod theme;
pub mod update;
pub mod views;
pub mod worker;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::WrapErr;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;

use app::App;
use protocol::Request;
use strm_client::backend::Connector;
use strm_client::now_epoch_secs;
use strm_client::paths::{API_URL_ENV, Paths};
use strm_model::Invalid;
use update::Msg;
use worker::WorkerConfig;

/// Where the data plane is when it is not at the API's address (as `simulate` reads it).
pub const EVENTS_URL_ENV: &str = "STRM_EVENTS_URL";
/// Messages applied before a frame is drawn even when more are waiting.
const MAX_MESSAGES_PER_FRAME: usize = 256;
pub const SPINNER_EVERY: Duration = Duration::from_millis(100);

/// What `main` hands over. Unset fields fall back to the config file, then defaults.
#[derive(Debug, Clone, Default)]
pub struct ConsoleOptions {
    /// `--api-url`; else `STRM_API_URL`; else the config file; else the local server.
    pub api_url: Option<String>,
    pub read_only: bool,
    /// `--mouse`; also turned on by `mouse = true` in the config file.
    pub mouse: bool,
    pub refresh_secs: Option<u64>,
    pub theme: Option<String>,
}

/// The lines `--print-paths` prints.
pub fn describe_paths(paths: &Paths) -> String {
    format!(
        "config file:   {}\nconfig dir:    {}\nsaved secrets: {}\ndata dir:      {}\nlog dir:       {}\n",
        paths.config_file().display(),
        paths.config_dir.display(),
        paths.saved_secrets_file().display(),
        paths.data_dir.display(),
        paths.log_dir().display(),
    )
}

/// Runs the console until the user quits. Builds its own tokio runtime, so call it
/// from plain `main`, not from inside a runtime.
pub fn run(
    opts: ConsoleOptions,
    paths: Paths,
    connector: Arc<dyn Connector>,
) -> color_eyre::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    runtime.block_on(run_async(opts, paths, connector))
}

/// Builds the `App` from options and the config file: keymap, theme, intervals. A value
/// that is not valid (a theme that does not exist, a key bound twice, a field the file
/// cannot have, an API address that is no URL) stops the console before it starts, with
/// the value and the choices named.
pub fn build_app(
    opts: &ConsoleOptions,
    paths: &Paths,
    connector: Arc<dyn Connector>,
) -> Result<(App, WorkerConfig), Invalid> {
    let file = paths.config_file();
    let config = config::Config::load(&file)?;
    let (keymap, key_problems) = keymap::Keymap::with_overrides(&config.key_overrides());
    if !key_problems.is_empty() {
        return Err(Invalid::new(
            format!("{}: [keys]", file.display()),
            key_problems.join("; "),
            "fix the key bindings (? in the console lists every action and key)",
        ));
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = match (&opts.theme, &config.theme) {
        (Some(t), _) => theme::Theme::pick(Some(t), no_color, "--theme"),
        (None, t) => theme::Theme::pick(
            t.as_deref(),
            no_color,
            &format!("{}: theme", file.display()),
        ),
    }?;
    let mut app = App::new(keymap, theme);
    app.read_only = opts.read_only;
    app.mouse = opts.mouse || config.mouse.unwrap_or(false);
    let refresh = opts
        .refresh_secs
        .or(config.refresh_secs)
        .unwrap_or(config::DEFAULT_REFRESH_SECS);
    app.refresh_every = (refresh > 0).then(|| Duration::from_secs(refresh));
    app.epoch = now_epoch_secs();
    let (api_url, from) = match (&opts.api_url, std::env::var(API_URL_ENV)) {
        (Some(url), _) => (Some(url.clone()), "--api-url".to_string()),
        (None, Ok(url)) if !url.is_empty() => (Some(url), API_URL_ENV.to_string()),
        _ => (
            config.api_url.clone(),
            format!("{}: api_url", file.display()),
        ),
    };
    if let Some(url) = &api_url
        && let Err(e) = strm_client::parse_base_url(url)
    {
        return Err(Invalid::new(
            from,
            format!("{url:?} is not an API address ({e})"),
            "give an http:// or https:// URL, e.g. https://api.streammachine.io",
        ));
    }
    let worker = WorkerConfig {
        paths: paths.clone(),
        connector,
        api_url,
        events_url: std::env::var(EVENTS_URL_ENV).ok().filter(|s| !s.is_empty()),
        read_only: opts.read_only,
        timeout: worker::REQUEST_TIMEOUT,
    };
    Ok((app, worker))
}

fn init_logging(paths: &Paths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = paths.log_dir();
    strm_client::paths::create_private_dir(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "console.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    use tracing_subscriber::Layer;
    use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let wanted = EnvFilter::try_from_env("STRM_TUI_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // Libraries log websocket frames (decrypted events) and headers below info.
    let ours = filter_fn(|meta| {
        *meta.level() <= tracing::Level::INFO || strm_model::logs::verbose_allowed(meta.target())
    });
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(wanted.and(ours)),
        )
        .try_init()
        .ok()?;
    Some(guard)
}

/// Undoes what the console turns on beyond ratatui's own restore (raw mode, alternate
/// screen): bracketed paste, mouse capture and the hidden cursor.
fn leave_extra_modes(mouse: bool) {
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(
        out,
        crossterm::event::DisableBracketedPaste,
        crossterm::cursor::Show
    );
    if mouse {
        let _ = crossterm::execute!(out, crossterm::event::DisableMouseCapture);
    }
}

pub async fn run_async(
    opts: ConsoleOptions,
    paths: Paths,
    connector: Arc<dyn Connector>,
) -> color_eyre::Result<()> {
    let (mut app, worker_config) = build_app(&opts, &paths, connector)?;
    let _ = color_eyre::install();
    let _log_guard = init_logging(&paths);
    tracing::info!(
        api = worker_config.api_url.as_deref().unwrap_or("local"),
        read_only = app.read_only,
        "console starting"
    );

    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        color_eyre::eyre::bail!(
            "the console needs a terminal on stdin and stdout; use the CLI subcommands in scripts"
        );
    }
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            ratatui::restore();
            return Err(e).wrap_err("cannot set up the terminal");
        }
    };
    let mouse = app.mouse;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_extra_modes(mouse);
        previous(info);
    }));
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste);
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }

    let result = event_loop(&mut terminal, &mut app, worker_config).await;

    leave_extra_modes(mouse);
    ratatui::restore();
    tracing::info!("console stopped");
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    worker_config: WorkerConfig,
) -> color_eyre::Result<()> {
    // The first frame comes before any network answer.
    terminal.draw(|f| views::draw(f, app))?;
    let (requests, mut replies) = worker::spawn(worker_config);
    let send = |out: Vec<(u64, Request)>| {
        for r in out {
            let _ = requests.send(r);
        }
    };
    send(app.start());
    let mut events = EventStream::new();
    let mut clipboard = clipboard::Clipboard::from_env();
    #[cfg(unix)]
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    #[cfg(unix)]
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;

    loop {
        let deadline = app.next_deadline();
        let timer = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        // SIGTERM, or SIGHUP when the terminal goes away: leave cleanly either way.
        #[cfg(unix)]
        let term = async {
            tokio::select! {
                _ = sigterm.recv() => {}
                _ = sighup.recv() => {}
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        let first = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => to_msg(ev),
                Some(Err(e)) => return Err(e).wrap_err("cannot read the terminal"),
                None => return Ok(()),
            },
            Some(reply) = replies.recv() => Some(Msg::Reply(Box::new(reply))),
            _ = timer => Some(Msg::Tick),
            _ = term => return Ok(()),
        };
        let mut changed = false;
        let mut next = first;
        let mut drained = 0;
        loop {
            if let Some(msg) = next.take() {
                app.set_now(std::time::Instant::now(), now_epoch_secs());
                send(app.update(msg));
                changed = true;
                drained += 1;
            }
            // A flood of answers (a busy tail) must not hold the next frame back.
            if drained >= MAX_MESSAGES_PER_FRAME {
                break;
            }
            // Drain whatever else is ready before drawing once.
            next = match replies.try_recv() {
                Ok(reply) => Some(Msg::Reply(Box::new(reply))),
                // Polled with this task's own waker: crossterm's stream keeps the waker
                // of a poll that found nothing, so a no-op waker would lose input.
                Err(_) => match futures::poll!(events.next()) {
                    std::task::Poll::Ready(Some(Ok(ev))) => match to_msg(ev) {
                        Some(m) => Some(m),
                        None => continue,
                    },
                    _ => None,
                },
            };
            if next.is_none() {
                break;
            }
        }
        for (what, text) in std::mem::take(&mut app.copy_out) {
            let mut out = std::io::stdout();
            let result = clipboard.copy(&text, &mut out);
            let _ = out.flush();
            app.copied(&what, result);
            changed = true;
        }
        if app.quit {
            return Ok(());
        }
        if changed {
            terminal.draw(|f| views::draw(f, app))?;
        }
    }
}

/// Key presses only (not repeats' releases), paste, resize and, when on, the mouse.
fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Resize(..) => Some(Msg::Resize),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
