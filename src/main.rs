//! Minimal entry point (console branch): no subcommand runs the console. The lead's
//! main.rs with the CLI subcommands replaces this; keep `console::run` as the default.

use clap::Parser;
use strm_tui::console::{self, ConsoleOptions};
use strm_tui::paths::Paths;

#[derive(Parser)]
#[command(name = "strm-tui", version, about)]
struct Args {
    /// API base URL (default: the embedded local server).
    #[arg(long, env = "STRM_API_URL")]
    api_url: Option<String>,
    /// Refuse every create and delete.
    #[arg(long)]
    read_only: bool,
    /// Mouse wheel and clicks.
    #[arg(long)]
    mouse: bool,
    /// Auto-refresh interval in seconds (0 turns it off).
    #[arg(long)]
    refresh_secs: Option<u64>,
    /// Colour theme: default, light or mono.
    #[arg(long)]
    theme: Option<String>,
    /// Print the config, data and log paths and exit.
    #[arg(long)]
    print_paths: bool,
}

fn main() -> color_eyre::Result<()> {
    let args = Args::parse();
    let paths = Paths::from_env();
    if args.print_paths {
        print!("{}", console::describe_paths(&paths));
        return Ok(());
    }
    console::run(
        ConsoleOptions {
            api_url: args.api_url,
            read_only: args.read_only,
            mouse: args.mouse,
            refresh_secs: args.refresh_secs,
            theme: args.theme,
        },
        paths,
    )
}
